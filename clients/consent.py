"""The consent rule, in one place (messaging decides with it, the card and the API explain it with it):
marketing needs an opt-in on the channel; a service message needs none and is stopped only by an opt-out of
service messages on that channel. No answer on record means "not asked"."""

from .models import ChannelConsent

SERVICE, MARKETING = ChannelConsent.Purpose.SERVICE, ChannelConsent.Purpose.MARKETING


def consent_allows(status: str | None, purpose: str) -> bool:
    """May a message of `purpose` go on a channel whose answer for that purpose is `status` (None: none)?"""
    if purpose == SERVICE:
        return status != ChannelConsent.Status.OPT_OUT
    return status == ChannelConsent.Status.OPT_IN
