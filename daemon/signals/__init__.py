"""What a photo shows: decoding and the signals that read it."""
