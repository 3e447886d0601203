"""Teranga: one platform for service businesses in Senegal and France."""
