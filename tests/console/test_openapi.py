"""docs/console-openapi.yaml describes exactly the routes the console serves."""
import yaml

from bot.settings import PROJECT_ROOT
from console.app import create_app

METHODS = {"get", "post", "put", "patch", "delete"}


def documented():
    spec = yaml.safe_load((PROJECT_ROOT / "docs" / "console-openapi.yaml").read_text(encoding="utf-8"))
    assert spec["openapi"].startswith("3.0")
    return spec, {(method.upper(), path) for path, item in spec["paths"].items() for method in item if method in METHODS}


def served(app):
    routes = set()
    for resource in app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter") or (info["prefix"] + "/{path}" if "prefix" in info else None)
        for route in resource:
            if route.method != "HEAD":
                routes.add((route.method, path))
    return routes


def test_every_route_is_documented_and_nothing_else(console_settings):
    _, paths = documented()
    assert served(create_app(console_settings)) == paths


def test_every_reference_resolves_and_protected_routes_document_401():
    spec, _ = documented()

    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for item in node:
                yield from refs(item)

    for ref in refs(spec):
        target = spec
        for part in ref.lstrip("#/").split("/"):
            target = target[part]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS and path.startswith("/api/") and path != "/api/login":
                assert "401" in operation["responses"], (method, path)
