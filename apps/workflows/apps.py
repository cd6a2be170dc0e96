from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "apps.workflows"
    label = "workflows"
    verbose_name = "Workflows"

    def ready(self) -> None:
        # Blocks ask the apps for the template check, the condition language and the
        # like through blocks.host, never by importing them.
        from apps.workflows.block_host import KeepflowBlockHost
        from blocks.host import block_host_install

        block_host_install(KeepflowBlockHost())
        # Published block templates join the catalog (GET /api/v1/blocks) as "Team blocks".
        from apps.workflows.block_templates import block_templates_catalog
        from blocks.registry import catalog_provider_register

        catalog_provider_register(block_templates_catalog)
