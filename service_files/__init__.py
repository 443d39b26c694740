"""Templates for starting Smart Gallery at login; rendered by daemon/service/autostart.py."""
