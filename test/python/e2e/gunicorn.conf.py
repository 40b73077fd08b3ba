# gunicorn settings of the end-to-end tests' site (harness.py adds --bind).
workers = 2
worker_class = "sync"
timeout = 60
graceful_timeout = 10
# the tests send a provider name of 10,000 characters: let the request
# line through to Django (0: no limit), which must answer it
limit_request_line = 0
limit_request_field_size = 16384
accesslog = "-"
errorlog = "-"
loglevel = "info"
capture_output = True
