"""Building catalogue objects through the API, as a data manager would."""
API = "/api/v1"


def create(client, headers, collection, body, status=201):
    r = client.post(f"{API}/{collection}", json=body, headers=headers)
    assert r.status_code == status, r.get_data(as_text=True)
    return r.json


def change(client, headers, collection, code, body, method="patch", version=None):
    current = client.get(f"{API}/{collection}/{code}", headers=headers)
    etag = f'"v{version}"' if version else current.headers["ETag"]
    return getattr(client, method)(f"{API}/{collection}/{code}", json=body,
                                   headers={**headers, "If-Match": etag})


def evidence_type(client, dm, code="test-nachweis", registers=("idnrg-1",)):
    return create(client, dm, "evidence-types", {
        "code": code, "title": {"de": f"Nachweis {code}", "en": f"Evidence {code}"},
        "registers": list(registers)})


def organisation(client, dm, code, name=None, kind="Meldebehörde", **extra):
    return create(client, dm, "organisations", {"code": code, "name": name or code.title(),
                                                "kind": kind, **extra})


def offer(client, headers, evidence_type, areas, provider=None, status=201, **extra):
    body = {"evidence_type": evidence_type, "areas": list(areas),
            "service_id": f"urn:test:{'-'.join(areas)}",
            "endpoint_url": "https://dp.test.example/api", **extra}
    if provider:
        body["provider"] = provider
    return create(client, headers, "offers", body, status=status)


def review(client, headers, path, action="approve", **kwargs):
    """Approve or reject as a reviewer does: GET the object, send its ETag back in If-Match
    (it names the version and the pending proposal that was looked at)."""
    etag = client.get(path, headers=headers).headers.get("ETag")
    return client.post(f"{path}/{action}", headers={**headers, "If-Match": etag or ""},
                       **kwargs)
