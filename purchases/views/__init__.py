"""The purchases pages by family: `catalogue`, `ledger` (recording, entries, the client tab), `invoices` and
`overrides` (price overrides); purchases.urls routes to the modules."""
