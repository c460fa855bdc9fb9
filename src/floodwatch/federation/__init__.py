"""Sharing the blacklist between platforms and federation nodes without sharing personal data."""
