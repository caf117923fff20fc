"""Signals other apps answer without the sender importing them."""

from django.dispatch import Signal

# Sent inside the transaction that changed the region of terminals or merchants (`sender` is
# `devices.Device` or `accounts.Merchant`, `pks` their ids), so that a receiver keeps what it stores
# from that region (tickets.regions: each open ticket's region) in the same transaction.
region_changed = Signal()
