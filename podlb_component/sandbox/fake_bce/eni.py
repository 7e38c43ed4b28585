"""Fake ENIs (`/v1/eni`): which security groups each ENI carries (bce-sdk-go `Eni` fields)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import bad_request, not_found
from .routing import Request, Response, Route, page, route


@dataclass
class Eni:
    eni_id: str
    vpc_id: str
    subnet_id: str = "sbn-fake"
    instance_id: str = ""
    security_group_ids: list[str] = field(default_factory=list)
    enterprise_security_group_ids: list[str] = field(default_factory=list)
    private_ip: str = "10.0.0.10"

    def model(self) -> dict[str, Any]:
        return {
            "eniId": self.eni_id,
            "name": self.eni_id,
            "zoneName": "cn-bj-a",
            "description": "",
            "instanceId": self.instance_id,
            "macAddress": "fa:16:3e:00:00:01",
            "vpcId": self.vpc_id,
            "subnetId": self.subnet_id,
            "status": "inuse" if self.instance_id else "available",
            "privateIpSet": [{"publicIpAddress": "", "primary": True, "privateIpAddress": self.private_ip}],
            "ipv6PrivateIpSet": [],
            "securityGroupIds": list(self.security_group_ids),
            "enterpriseSecurityGroupIds": list(self.enterprise_security_group_ids),
            "createdTime": "2026-01-01T00:00:00Z",
            "tags": [],
        }


class EniBackend:
    def __init__(self) -> None:
        self.enis: dict[str, Eni] = {}

    def add(self, eni: Eni) -> Eni:
        self.enis[eni.eni_id] = eni
        return eni

    def get(self, eni_id: str) -> Eni:
        if eni_id not in self.enis:
            raise not_found("Eni.NotFound", f"eni {eni_id} does not exist")
        return self.enis[eni_id]


def routes(backend: EniBackend) -> list[Route]:
    def listing(r: Request) -> Response:
        vpc = r.query.get("vpcId")
        if not vpc:  # the SDK makes vpcId mandatory; the fake refuses a listing without it
            raise bad_request("vpcId is required", "MissingParameter")
        enis = [e for e in backend.enis.values() if e.vpc_id == vpc]
        if r.query.get("instanceId"):
            enis = [e for e in enis if e.instance_id == r.query["instanceId"]]
        return 200, page([e.model() for e in enis], r, "enis")

    return [
        route("eni.list", "GET", r"/v1/eni", listing),
        route("eni.get", "GET", r"/v1/eni/(?P<id>eni-[^/]+)", lambda r: (200, backend.get(r.params["id"]).model())),
    ]
