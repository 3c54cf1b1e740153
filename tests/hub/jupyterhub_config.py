# JupyterHub configuration for the hub test (tests/browser/test_hub.py): a class on 127.0.0.1.
#
# Values that change per run (ports, folders, secrets, the proxy's path) come from the JSON
# file named by $SCOPEKIT_HUB_SETTINGS, which tests/hub/hub_process.py writes. Everything
# else is what docs/classroom.md tells a course to set up: a shared-password login for the
# class list, one local process per learner with its home in the test's folder, and
# PYTHONPATH pointing at the learner's clone of the lessons so that `import kit` finds it.
import json
import os

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

with open(os.environ["SCOPEKIT_HUB_SETTINGS"]) as settings_file:
    settings = json.load(settings_file)
state = settings["state_dir"]

c.JupyterHub.bind_url = f"http://127.0.0.1:{settings['port']}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_port"]
c.JupyterHub.db_url = f"sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{state}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = f"{state}/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

c.ConfigurableHTTPProxy.command = [settings["proxy_command"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.ConfigurableHTTPProxy.auth_token = settings["proxy_token"]
c.ConfigurableHTTPProxy.pid_file = f"{state}/jupyterhub-proxy.pid"

c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = settings["learner_password"]
c.Authenticator.allowed_users = set(settings["learners"])

# A service the test drives the hub and the learners' servers with (REST API only).
c.JupyterHub.services = [{"name": "class-test", "api_token": settings["service_token"]}]
c.JupyterHub.load_roles = [{
    "name": "class-test",
    "scopes": ["admin:users", "admin:servers", "access:servers", "list:users", "read:users"],
    "services": ["class-test"],
}]

c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = settings["home_dir_template"]
c.Spawner.cmd = [settings["python"], "-m", "jupyterhub.singleuser"]
c.Spawner.ip = "127.0.0.1"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
if settings["allow_root"]:
    c.Spawner.args = ["--ServerApp.allow_root=True"]
c.Spawner.environment = {
    "PYTHONPATH": lambda spawner: os.path.join(spawner.home_dir, settings["clone_folder"]),
}
