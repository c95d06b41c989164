"""Small cities of the report's tests: quick to plan, with odd sizes, one area, and businesses of their own."""

from __future__ import annotations

from pathlib import Path

# One area only; three businesses of odd sizes and different peak months; a per-host licence.
ONE_AREA_CITY = """
municipality: {name: 小島町, name_en: Kojima Town, code: "149993", class: other}
failure_domains:
  vcpu_overcommit: 2.0
  chassis:
    - {id: c1, blades: [{id: c1-b1, vcpu: 24, ram_gb: 96, disk_gb: 1500}, {id: c1-b2, vcpu: 24, ram_gb: 96, disk_gb: 1500}, {id: c1-b3, vcpu: 24, ram_gb: 96, disk_gb: 1500}]}
    - {id: c2, blades: [{id: c2-b1, vcpu: 24, ram_gb: 96, disk_gb: 1500}, {id: c2-b2, vcpu: 24, ram_gb: 96, disk_gb: 1500}]}
    - {id: c3, blades: [{id: c3-b1, vcpu: 20, ram_gb: 64, disk_gb: 900}]}
areas:
  - {id: office, name: LGWAN接続系, name_en: LGWAN, level: middle, vlans: {first: 200, last: 299}, supernet: 10.20.0.0/16}
middleware:
  integration_hub: {product: hub, replicas: 2, areas: [office], ports: [443], vcpu: 3, ram_gb: 6, disk: {tier: fast, size_gb: 30}, licence: {model: per_host, product: hub licence, annual_cost_jpy: 770000}}
  load_balancer: {product: lb, replicas: 2, areas: [office], ports: [443], vcpu: 1, ram_gb: 2, disk: {tier: fast, size_gb: 10}}
  job_management: {product: jobs, replicas: 2, areas: [office], ports: [20240], vcpu: 2, ram_gb: 3, disk: {tier: fast, size_gb: 10}}
  time_name: {product: ntp, replicas: 2, areas: [office], ports: [123/udp], vcpu: 1, ram_gb: 2, disk: {tier: fast, size_gb: 10}}
  monitoring: {product: logs, replicas: 2, areas: [office], ports: [514/tcp], vcpu: 2, ram_gb: 4, disk: {tier: fast, size_gb: 40}}
  database: {product: db, replicas: 2, areas: [office], ports: [5432], vcpu: 5, ram_gb: 20, disk: {tier: fast, size_gb: 300}}
businesses:
  - id: suido
    name: 水道料金
    name_en: Water billing
    vendor: 架空水道システム株式会社
    area: office
    network_slot: 7
    peak_months: [3, 9]
    off_peak_load: 0.3
    tiers:
      web: {replicas: 2, vcpu: 3, ram_gb: 7, disk: {tier: fast, size_gb: 33}}
      app: {replicas: 3, vcpu: 5, ram_gb: 11, disk: {tier: fast, size_gb: 55}}
    integrations: {publishes: [ryokin]}
  - id: gomi
    name: ごみ収集
    name_en: Waste collection
    vendor: 架空環境サービス株式会社
    area: office
    network_slot: 8
    peak_months: [12]
    licence: {model: per_vm, product: 収集管理, annual_cost_jpy: 120000}
    tiers:
      app: {replicas: 2, vcpu: 7, ram_gb: 13, disk: {tier: fast, size_gb: 77}}
      batch: {replicas: 1, redundant: false, anti_affinity: false, vcpu: 1, ram_gb: 3, disk: {tier: capacity, size_gb: 11}}
    integrations: {consumes: [ryokin]}
  - id: kouen
    name: 公園予約
    name_en: Park bookings
    vendor: 架空予約株式会社
    area: office
    network_slot: 9
    peak_months: [5, 6]
    licence: {model: per_core, annual_cost_jpy: 50000}
    tiers:
      web: {replicas: 2, vcpu: 1, ram_gb: 3, disk: {tier: fast, size_gb: 9}}
      app: {replicas: 2, vcpu: 3, ram_gb: 5, disk: {tier: fast, size_gb: 21}}
      db: {replicas: 2, vcpu: 3, ram_gb: 9, disk: {tier: fast, size_gb: 99}}
flows:
  - id: gomi-to-suido
    from: {business: gomi, tier: app}
    to: {business: suido, tier: app}
    ports: [8443/tcp]
    one_way: true
    purpose: ごみ収集手数料を水道料金と合わせて請求
"""


def write_city(folder: Path, text: str = ONE_AREA_CITY, name: str = "town.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
