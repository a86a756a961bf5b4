"""HotspotWatch."""
