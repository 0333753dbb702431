"""Services: the operations (cast a vote, moderate, run an analysis, ...) over the store's repositories.

They raise voxpop.errors.ServiceError subclasses, which say what went wrong and carry no HTTP status;
voxpop.web.errors maps them to HTTP.
"""
