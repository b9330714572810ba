"""The inventories app's admin: rounds, inventories, versions, the audit history, PDF copies."""

from inventories.admin import documents, inventories

__all__ = ["documents", "inventories"]
