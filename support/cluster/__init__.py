"""Helpers for features/cluster: stores on a Redis Cluster and the outages they ride out."""
