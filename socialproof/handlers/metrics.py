"""/metrics, for Prometheus: who may read it, and the exposition itself (`socialproof.metrics`)."""

from ipaddress import ip_address

from aiohttp import web

from socialproof import metrics as service_metrics
from socialproof.auth.principal import caller
from socialproof.errors import error_response
from socialproof.headers import Response
from socialproof.keys import settings_key, signer_key


def _peer_allowed(request: web.Request) -> bool:
    if request.remote is None:  # a Unix socket
        return False
    try:
        peer = ip_address(request.remote)
    except ValueError:
        return False
    if peer.version == 6 and peer.ipv4_mapped is not None:
        peer = peer.ipv4_mapped
    return any(peer in network for network in request.app[settings_key].metrics_allow_ips)


def metrics_allowed(request: web.Request) -> bool:
    """Who may read /metrics: a caller from METRICS_ALLOW_IPS (loopback by default), or one
    with an admin's token. With AUTH=off everyone counts as an admin: only the address decides."""
    if _peer_allowed(request):
        return True
    return request.app[signer_key] is not None and caller(request).is_admin


async def metrics(request: web.Request) -> web.Response:
    if not metrics_allowed(request):
        return error_response(403, "Not enough permissions")
    return Response(
        body=service_metrics.exposition(request.app),
        headers={"Content-Type": service_metrics.CONTENT_TYPE},
    )
