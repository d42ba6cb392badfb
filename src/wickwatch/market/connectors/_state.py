"""Explicit state machines of a connection and of a feed; an illegal transition raises."""

from __future__ import annotations

import enum


class IllegalTransition(RuntimeError):
    """A state change the machine does not allow (a bug, never a network condition)."""


class ConnState(enum.Enum):
    NEW = "new"
    CONNECTING = "connecting"
    SUBSCRIBING = "subscribing"  #: socket open, initial subscriptions not all acknowledged yet
    LIVE = "live"
    BACKOFF = "backoff"  #: closed, waiting before the next connect
    STOPPED = "stopped"  #: terminal


_CONN_MOVES: dict[ConnState, frozenset[ConnState]] = {
    ConnState.NEW: frozenset({ConnState.CONNECTING, ConnState.STOPPED}),
    ConnState.CONNECTING: frozenset({ConnState.SUBSCRIBING, ConnState.BACKOFF, ConnState.STOPPED}),
    ConnState.SUBSCRIBING: frozenset({ConnState.LIVE, ConnState.BACKOFF, ConnState.STOPPED}),
    ConnState.LIVE: frozenset({ConnState.BACKOFF, ConnState.STOPPED}),
    ConnState.BACKOFF: frozenset({ConnState.CONNECTING, ConnState.STOPPED}),
    ConnState.STOPPED: frozenset(),
}


class FeedState(enum.Enum):
    NEW = "new"
    STARTING = "starting"  #: loading instruments, opening connections
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"


_FEED_MOVES: dict[FeedState, frozenset[FeedState]] = {
    FeedState.NEW: frozenset({FeedState.STARTING, FeedState.STOPPED}),
    FeedState.STARTING: frozenset({FeedState.RUNNING, FeedState.STOPPING}),
    FeedState.RUNNING: frozenset({FeedState.STOPPING}),
    FeedState.STOPPING: frozenset({FeedState.STOPPED}),
    FeedState.STOPPED: frozenset(),
}


def check_conn_move(old: ConnState, new: ConnState, who: str) -> None:
    if new not in _CONN_MOVES[old]:
        raise IllegalTransition(f"{who}: illegal connection transition {old.value} → {new.value}")


def check_feed_move(old: FeedState, new: FeedState, who: str) -> None:
    if new not in _FEED_MOVES[old]:
        raise IllegalTransition(f"{who}: illegal feed transition {old.value} → {new.value}")
