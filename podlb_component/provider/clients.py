"""The provider process's BCE clients: made once from the provider's configuration, shared by
every call of the deployment (the engine starts one provider process per provider resource)."""

from __future__ import annotations

import threading

from ..bce.cce import CceClient
from ..bce.clients import client_config
from ..bce.security_groups import SecurityGroupApi
from ..bce.settings import BceSettings


class ProviderClients:
    def __init__(self, settings: BceSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._groups: SecurityGroupApi | None = None
        self._cce: CceClient | None = None

    @property
    def security_groups(self) -> SecurityGroupApi:
        with self._lock:
            if self._groups is None:
                self._groups = SecurityGroupApi(self.settings)
            return self._groups

    @property
    def cce(self) -> CceClient:
        with self._lock:
            if self._cce is None:
                self._cce = CceClient(client_config(self.settings, "cce"))
            return self._cce
