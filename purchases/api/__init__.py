"""The purchases REST API by resource family: `catalogue` (products, weights, tiers), `ledger` (sales, returns,
corrections) and `invoices` (requests, actions, payments, PDF). purchases.api_urls routes to the modules."""
