"""The registry of outbox handlers: @on("payment.captured") and friends."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

Handler = Callable[[Any], Any]

_registry: Dict[str, List[Handler]] = {}


def on(*patterns: str) -> Callable[[Handler], Handler]:
    """Decorator: register f(message) for topics matching any pattern ("payment.*", "*" allowed)."""
    if not patterns:
        raise TypeError("on() needs at least one topic pattern")
    for pattern in patterns:
        if "*" in pattern[:-1]:
            raise ValueError("%r: '*' may only end a topic pattern" % pattern)

    def register(func: Handler) -> Handler:
        for pattern in patterns:
            handlers = _registry.setdefault(pattern, [])
            if func not in handlers:
                handlers.append(func)
        return func
    return register


def on_fetch(*providers: str) -> Callable[[Handler], Handler]:
    """Decorator: register fetch(provider, object_id, object_type) for fetch.<provider> messages.

    The function returns the object from the provider's API; the worker passes it
    to webhook_apply_object in the message's transaction (pgwebhook.fetch_handler).
    """
    if not providers:
        raise TypeError("on_fetch() needs at least one provider")

    def register(func: Handler) -> Handler:
        from pgwebhook.worker import fetch_handler
        on(*["fetch.%s" % p for p in providers])(fetch_handler(func))
        return func
    return register


def matches(pattern: str, topic: str) -> bool:
    """Return True when topic matches pattern (exact, or a prefix before a trailing '*')."""
    if pattern.endswith("*"):
        return topic.startswith(pattern[:-1])
    return topic == pattern


def handlers_for(topic: str) -> List[Handler]:
    """Return the registered handlers for topic, in registration order, each once."""
    found: List[Handler] = []
    for pattern, funcs in _registry.items():
        if matches(pattern, topic):
            found.extend(f for f in funcs if f not in found)
    return found


def patterns() -> List[str]:
    """Return the registered patterns (the topics a worker subscribes to by default)."""
    return sorted(p for p, funcs in _registry.items() if funcs)


def dispatch(message: Any) -> int:
    """Call every handler registered for message.topic; return how many ran."""
    funcs = handlers_for(message.topic)
    for func in funcs:
        func(message)
    return len(funcs)


def clear() -> None:
    """Forget every registered handler (for tests)."""
    _registry.clear()
