"""Load for benchmarks/api.py: one scenario per run (BENCH_SCENARIO=list or create)."""

import os
import random

from locust import FastHttpUser, constant, task

SCENARIO = os.environ.get("BENCH_SCENARIO", "list")
HEADERS = {"Authorization": f"Api-Key {os.environ.get('BENCH_API_KEY', '')}"}
SERIALS = [serial for serial in os.environ.get("BENCH_SERIALS", "").split(",") if serial]


class Partner(FastHttpUser):
    wait_time = constant(0)

    @task
    def call(self):
        if SCENARIO == "list":
            self.client.get("/api/v1/tickets/?page_size=20", headers=HEADERS, name="GET /api/v1/tickets/")
        else:
            self.client.post(
                "/api/v1/tickets/",
                json={
                    "device": random.choice(SERIALS),
                    "kind": "repair",
                    "fault_category": "printer",
                    "description": "Load test: the printer stops halfway through a receipt.",
                    "contact_name": "Bench",
                    "contact_phone": "13800138000",
                },
                headers=HEADERS,
                name="POST /api/v1/tickets/",
            )
