"""The archival package of a round: every region's submitted versions as a BagIt bag.

``archival_package_request`` (staff) records a package as pending and queues
``records.tasks.archival_package_build`` after commit. The task (``archival_package_build``)
claims the package, copies each submitted version into a temporary folder::

    data/<region slug>/<version number>/snapshot.json       the stored JSON, byte for byte
    data/<region slug>/<version number>/<PDF file name>     the PDF of record, when rendered
    data/<region slug>/<version number>/attachments/<name>  the attachments the version lists

checking every file against the SHA-256 recorded for it (the version's hash, the PDF's, the one
the snapshot records for each attachment), makes it a bag with the Library of Congress ``bagit``
library (SHA-256 manifest, ``bag-info.txt`` with the description), validates it with
``bagit.Bag(path).validate()``, packs it into one tar file and stores that with its own SHA-256.

The package splits by concept: ``selectors`` read (the round's packages, one package, what waits),
``bag`` writes the bag (copy and check, description, tar), ``services`` ask for and build a
package (claim, validate, store, record). The names below are the package's public API.
"""

from records.archive.bag import ArchiveSourceDamaged
from records.archive.selectors import (
    BUILD_STALE_AFTER,
    WAITING_GRACE,
    archival_package_filename,
    archival_package_get,
    archival_package_is_stale,
    archival_package_may_request,
    archival_package_open,
    archival_package_storage_name,
    archival_packages_of,
    archival_packages_waiting,
)
from records.archive.services import archival_package_build, archival_package_request

__all__ = [
    "BUILD_STALE_AFTER",
    "WAITING_GRACE",
    "ArchiveSourceDamaged",
    "archival_package_build",
    "archival_package_filename",
    "archival_package_get",
    "archival_package_is_stale",
    "archival_package_may_request",
    "archival_package_open",
    "archival_package_request",
    "archival_package_storage_name",
    "archival_packages_of",
    "archival_packages_waiting",
]
