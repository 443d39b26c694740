"""The search's class space: the classes of both taggers side by side.

0..999 are the ImageNet classes of the tagger, 1000..1079 the COCO classes of the
detector. The index stores each tagger's own class numbers; the matrix and the
vocabulary use this shared numbering, so one query draws on both sources.
"""

IMAGENET_CLASSES = 1000
DETECTOR_CLASSES = 80
DETECTOR_OFFSET = IMAGENET_CLASSES
NUM_CLASSES = IMAGENET_CLASSES + DETECTOR_CLASSES
