"""The purchases pages by family: `catalogue`, `ledger` (recording, entries, the client tab) and `invoices`;
purchases.urls routes to the modules."""
