"""The deployment files (deploy/) are what they claim: valid for the platforms they target,
checked offline, and wired the way ARCHITECTURE.md describes (probes, replica reads, one
VAR_DIR per instance, migrations as a separate step)."""
import copy
import subprocess
import sys
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from app.config import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
CLUSTER_CRD = REPO_ROOT / "tests" / "schemas" / "postgresql.cnpg.io_clusters.yaml"
BUILT_IN = ["configmap.yaml", "deployment.yaml", "service.yaml", "hpa.yaml", "pdb.yaml",
            "migration-job.yaml", "ingress.yaml"]


def documents(name):
    return [d for d in yaml.safe_load_all((KUBERNETES / name).read_text()) if d]


def only(name):
    [document] = documents(name)
    return document


def validate_built_in(document):
    kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)


@pytest.mark.parametrize("name", BUILT_IN)
def test_built_in_kinds_pass_strict_validation(name):
    for document in documents(name):
        validate_built_in(document)


def test_strict_validation_catches_a_misspelt_field():
    deployment = copy.deepcopy(only("deployment.yaml"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinessprobe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_built_in(deployment)


def strict(schema):
    """The CRD's schema, rejecting fields it does not name (as `kubectl apply` does with
    server-side field validation), except where it preserves unknown fields itself."""
    if isinstance(schema, dict):
        schema = {k: strict(v) for k, v in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema and \
                not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


@pytest.fixture(scope="module")
def cluster_schema():
    crd = yaml.safe_load(CLUSTER_CRD.read_text())
    [version] = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    return strict(version["schema"]["openAPIV3Schema"])


def test_the_database_cluster_matches_the_cloudnativepg_crd(cluster_schema):
    cluster = only("postgres-cluster.yaml")
    assert (cluster["apiVersion"], cluster["kind"]) == ("postgresql.cnpg.io/v1", "Cluster")
    jsonschema.validate(cluster, cluster_schema)
    assert cluster["spec"]["instances"] == 3  # one primary, two replicas
    assert cluster["spec"]["bootstrap"]["initdb"] == {"database": "regmap", "owner": "regmap"}

    wrong = copy.deepcopy(cluster)
    wrong["spec"]["instance"] = wrong["spec"].pop("instances")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(wrong, cluster_schema)


def env_of(container):
    return {e["name"]: e.get("value") for e in container.get("env", [])}


def test_the_deployment_probes_and_reads_as_documented():
    deployment = only("deployment.yaml")
    pod = deployment["spec"]["template"]
    [container] = pod["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    env = env_of(container)
    # Writes to the operator's read-write service, reads from its read-only (replica) one.
    assert "@regmap-db-rw:" in env["DATABASE_URL"]
    assert "@regmap-db-ro:" in env["DATABASE_REPLICA_URL"]
    assert container["command"][:2] == ["regmap", "serve"]
    # IAM-B: its settings in the ConfigMap (empty: own tokens only), the web client's secret
    # from a Secret the pod starts without.
    assert {"IAM_ISSUER", "IAM_AUDIENCE", "IAM_ROLE_MAP", "IAM_WEB_CLIENT_ID"} <= set(
        only("configmap.yaml")["data"])
    secret = next(e for e in container["env"] if e["name"] == "IAM_WEB_CLIENT_SECRET")
    assert secret["valueFrom"]["secretKeyRef"]["optional"] is True
    # Its own VAR_DIR per pod (own search index), on a volume the pod may write.
    config = only("configmap.yaml")["data"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert "emptyDir" in volumes[mounts[config["VAR_DIR"]]]
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True

    labels = pod["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert only("service.yaml")["spec"]["selector"].items() <= labels.items()
    assert only("pdb.yaml")["spec"]["selector"]["matchLabels"].items() <= labels.items()
    target = only("hpa.yaml")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])


def test_migrations_are_a_job_of_their_own():
    job = only("migration-job.yaml")
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert "regmap db upgrade" in " ".join(container["command"])
    assert "@regmap-db-rw:" in env_of(container)["DATABASE_URL"]
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(BUILT_IN + ["postgres-cluster.yaml"])


def check_compose(path):
    return subprocess.run(
        [str(Path(sys.executable).parent / "check-jsonschema"), "--builtin-schema",
         "vendor.compose-spec", str(path)], capture_output=True, text=True)


def test_the_compose_file_matches_the_compose_specification(tmp_path):
    checked = check_compose(DEPLOY / "compose.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    wrong = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    wrong["services"]["proxy"]["port"] = wrong["services"]["proxy"].pop("ports")
    (tmp_path / "compose.yaml").write_text(yaml.safe_dump(wrong))
    assert check_compose(tmp_path / "compose.yaml").returncode != 0


def test_the_compose_file_runs_a_replica_two_instances_and_a_proxy():
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    instances = {name: s for name, s in services.items() if name.startswith("regmap-")}
    assert len(instances) == 2
    var_volumes = set()
    for service in instances.values():
        assert service["command"][:2] == ["regmap", "serve"]
        assert "@primary:" in service["environment"]["DATABASE_URL"]
        assert "@replica:" in service["environment"]["DATABASE_REPLICA_URL"]
        [volume] = service["volumes"]
        assert volume.endswith(":" + service["environment"]["VAR_DIR"])
        var_volumes.add(volume.split(":")[0])
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "/readyz" in " ".join(service["healthcheck"]["test"])
    assert len(var_volumes) == 2  # each instance its own search index

    replica_script = (DEPLOY / "postgres" / "replica-entrypoint.sh").read_text()
    assert "pg_basebackup -h primary" in replica_script and " -R -X stream" in replica_script
    assert services["replica"]["volumes"][1].startswith("./postgres/replica-entrypoint.sh:")
    assert "regmap db upgrade" in " ".join(services["migrate"]["command"])
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert all(f"server {name}:8080" in nginx for name in instances)
    assert services["proxy"]["volumes"] == ["./nginx.conf:/etc/nginx/conf.d/default.conf:ro"]


def test_one_proxy_hop_one_ingress_and_the_image_named_once():
    """TRUSTED_PROXY_HOPS "1" matches the one Ingress in front of the Service; kustomize names
    the image that the deployment and the migration job use."""
    assert only("configmap.yaml")["data"]["TRUSTED_PROXY_HOPS"] == "1"
    ingress = only("ingress.yaml")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert (backend["name"], backend["port"]["name"]) == (
        only("service.yaml")["metadata"]["name"], only("service.yaml")["spec"]["ports"][0]["name"])
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    assert "ingress.yaml" in kustomization["resources"]
    [image] = kustomization["images"]
    used = {c["image"].split(":")[0] for name in ("deployment.yaml", "migration-job.yaml")
            for c in only(name)["spec"]["template"]["spec"]["containers"]}
    assert used == {image["name"]}


def test_the_production_image_carries_no_embedded_postgresql():
    import configparser
    setup = configparser.ConfigParser()
    setup.read(REPO_ROOT / "setup.cfg")
    assert "pgserver" not in setup["options"]["install_requires"]
    assert "pgserver" in setup["options.extras_require"]["embedded"]
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir -e ." in dockerfile and "[embedded" not in dockerfile
