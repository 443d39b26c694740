"""The running daemon: the gallery, the socket, watching folders, autostart."""
