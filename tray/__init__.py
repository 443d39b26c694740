"""Tray icon and search popup (issue 4); they talk to the daemon through daemon.service.client."""
