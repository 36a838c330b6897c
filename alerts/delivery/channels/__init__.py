"""Delivery channels: each sends one rendered message, or raises `DeliveryError`."""

from __future__ import annotations

from alerts.delivery.channel_config import EmailChannelConfig, SlackChannelConfig
from alerts.delivery.channels.apprise import AppriseChannel
from alerts.delivery.channels.base import (
    Channel,
    DeliveryError,
    OutgoingAlert,
    followup_id,
    message_id,
)
from alerts.delivery.channels.email import EmailChannel
from alerts.delivery.channels.slack import SlackChannel
from alerts.delivery.config import AlertsConfig

__all__ = [
    "AppriseChannel",
    "Channel",
    "DeliveryError",
    "EmailChannel",
    "OutgoingAlert",
    "SlackChannel",
    "build_channels",
    "followup_id",
    "message_id",
]


def build_channels(cfg: AlertsConfig) -> dict[str, Channel]:
    """One channel per `[alerts.channels.NAME]` table."""
    channels: dict[str, Channel] = {}
    for name, channel_cfg in cfg.channels.items():
        if isinstance(channel_cfg, EmailChannelConfig):
            channels[name] = EmailChannel(name, channel_cfg)
        elif isinstance(channel_cfg, SlackChannelConfig):
            channels[name] = SlackChannel(name, channel_cfg)
        else:
            channels[name] = AppriseChannel(name, channel_cfg)
    return channels
