"""The HTTP layer under the openai SDK: Recording(Retrying(HTTPTransport)).

- `responses`: unread responses from bytes, Retry-After;
- `retry`: transport-fault retries (tenacity) and their callbacks;
- `recording`: record / strict replay of exchanges (the `replay` backend);
- `client`: the httpx clients the SDK is built with, and the timeouts.
"""
