"""Delivery channels: each sends one rendered alert, or raises `DeliveryError`."""

from __future__ import annotations

from alerts.channels.base import Channel, DeliveryError, OutgoingAlert, message_id
from alerts.channels.email import EmailChannel
from alerts.config import AlertsConfig

__all__ = [
    "Channel",
    "DeliveryError",
    "EmailChannel",
    "OutgoingAlert",
    "build_channels",
    "message_id",
]


def build_channels(cfg: AlertsConfig) -> dict[str, Channel]:
    """One channel per `[alerts.channels.NAME]` table."""
    channels: dict[str, Channel] = {}
    for name, channel_cfg in cfg.channels.items():
        channels[name] = EmailChannel(name, channel_cfg)
    return channels
