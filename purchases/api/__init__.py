"""The purchases REST API by resource family: `catalogue` (products, weights, tiers), `ledger` (sales, returns,
corrections), `invoices` (requests, actions, payments, PDF) and `overrides` (price overrides). purchases.api_urls
routes to the modules."""
