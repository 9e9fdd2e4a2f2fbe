"""The PostgreSQL database backend the CRM runs on: Django's own (psycopg2), with two costs of every request
taken away. See `crm.pg.base`."""
