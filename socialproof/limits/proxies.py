"""FORWARDED_ALLOW_IPS: whose X-Forwarded-For header is believed about the client's address."""

import ipaddress
from collections.abc import Iterable

import attrs

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@attrs.frozen
class TrustedProxies:
    """FORWARDED_ALLOW_IPS, with uvicorn's meaning: the peers whose X-Forwarded-For is
    believed. Comma-separated addresses and networks (CIDR), or `*` for every peer."""

    text: str
    everyone: bool = False
    addresses: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "TrustedProxies":
        entries = [entry.strip() for entry in text.split(",") if entry.strip()]
        if "*" in entries:
            return cls(text, everyone=True)
        addresses, networks = set(), []
        for entry in entries:
            try:
                if "/" in entry:
                    networks.append(ipaddress.ip_network(entry, strict=False))
                else:
                    addresses.add(str(ipaddress.ip_address(entry)))
            except ValueError:
                raise ValueError(
                    f"must be IP addresses or networks separated by commas, or *; {entry!r} is "
                    "neither"
                ) from None
        return cls(text, addresses=frozenset(addresses), networks=tuple(networks))

    def __str__(self) -> str:
        return self.text

    def trusts(self, address: str) -> bool:
        if self.everyone or address in self.addresses:
            return True
        if not self.networks:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client_of(self, peer: str, forwarded_for: Iterable[str]) -> str:
        """The client behind `peer`: the right-most address of X-Forwarded-For (its values in
        order) that is not a trusted proxy; the left-most if all are."""
        if not self.trusts(peer):
            return peer
        hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
        hops = [hop for hop in hops if hop]
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop
        return hops[0] if hops else peer
