"""The inventories app's admin: rounds, inventories, versions, the audit history, PDF copies,
attachments."""

from inventories.admin import attachments, documents, inventories

__all__ = ["attachments", "documents", "inventories"]
