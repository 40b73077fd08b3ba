"""The addon's files as Odoo reads them, without Odoo: the manifest, the
cron record, the route, and that the tested modules import nothing of Odoo."""

import ast
import os
import unittest
import xml.etree.ElementTree as ET

ADDON = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "webhook_payments")


def parse(relpath):
    with open(os.path.join(ADDON, relpath)) as f:
        return ast.parse(f.read(), relpath)


class Addon(unittest.TestCase):

    def test_manifest(self):
        with open(os.path.join(ADDON, "__manifest__.py")) as f:
            manifest = ast.literal_eval(f.read())
        self.assertEqual(manifest["depends"], ["payment"])
        self.assertTrue(manifest["installable"])
        # no series prefix: Odoo 16 reads it as 16.0.1.0.0, Odoo 17 as 17.0.1.0.0
        self.assertRegex(manifest["version"], r"^\d+\.\d+\.\d+$")
        for data in manifest["data"]:
            self.assertTrue(os.path.exists(os.path.join(ADDON, data)), data)

    def test_cron_calls_a_method_of_the_model(self):
        record = ET.parse(os.path.join(ADDON, "data", "ir_cron.xml")).getroot().find("./data/record")
        self.assertEqual(record.get("model"), "ir.cron")
        fields = {f.get("name"): f for f in record.findall("field")}
        self.assertEqual(fields["model_id"].get("ref"), "payment.model_payment_transaction")
        self.assertEqual(fields["state"].text, "code")
        self.assertEqual(fields["numbercall"].text, "-1")       # 16 and 17 (gone in 18)
        code = fields["code"].text.strip()
        self.assertEqual(code, "model._cron_webhook_outbox()")
        tree = parse(os.path.join("models", "payment_transaction.py"))
        cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
        inherit = next(n.value.value for n in cls.body if isinstance(n, ast.Assign)
                       and n.targets[0].id == "_inherit")
        self.assertEqual(inherit, "payment.transaction")
        self.assertIn("_cron_webhook_outbox", [n.name for n in cls.body if isinstance(n, ast.FunctionDef)])

    def test_route(self):
        tree = parse(os.path.join("controllers", "main.py"))
        routes = [d for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) for d in n.decorator_list
                  if isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "route"]
        self.assertEqual(len(routes), 1)
        route = routes[0]
        self.assertEqual(route.args[0].value, "/hooks/<string:provider>")
        kw = {k.arg: ast.literal_eval(k.value) for k in route.keywords}
        self.assertEqual(kw, {"type": "http", "auth": "none", "methods": ["POST"], "csrf": False})

    def test_tested_modules_import_no_odoo(self):
        for name in ("ingest.py", "outbox.py"):
            for node in ast.walk(parse(name)):
                if isinstance(node, ast.Import):
                    mods = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    mods = [node.module or ""]
                else:
                    continue
                self.assertFalse([m for m in mods if m.split(".")[0] == "odoo"], (name, mods))


if __name__ == "__main__":
    unittest.main()
