"""Places offline, in Russian: a photo's GPS position -> town, region and country
(gazetteer.py); the place names in a query are found by daemon/query/where.py."""

from daemon.places.gazetteer import Gazetteer, Place, PlaceName, PlaceRef

__all__ = ["Gazetteer", "Place", "PlaceName", "PlaceRef"]
