"""Webhook endpoints of partners: register, list with their deliveries, delete."""
