"""REST API of the clients app, by resource family:

- records: clients (list, create, retrieve, update), the ERP upsert by external id, duplicates
- timeline: interactions, promises and follow-up tasks
- segments
- common: role rules and field helpers the others share

URLs are in clients/api_urls.py; the views are re-exported here for scripts that import them by this path."""

from .records import ClientDetail, ClientDuplicates, ClientListCreate, ClientUpsertByExternalId
from .segments import SegmentListCreate
from .timeline import ClientInteractions, ClientPromises, PromiseResolve, TaskClose, TaskListCreate

__all__ = [
    "ClientDetail",
    "ClientDuplicates",
    "ClientInteractions",
    "ClientListCreate",
    "ClientPromises",
    "ClientUpsertByExternalId",
    "PromiseResolve",
    "SegmentListCreate",
    "TaskClose",
    "TaskListCreate",
]
