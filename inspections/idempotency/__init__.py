"""Client UUIDs and write receipts: a replayed create or offline write is applied once."""
