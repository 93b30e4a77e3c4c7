from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

IMPORT_STATUSES = ("applied", "reverted")
IMPORT_MODES = ("set", "add", "count")
FILENAME_MAX_LENGTH = 255


class StockImport(Base):
    """An applied stock count: the file, who sent it, what it did. Kept after its point goes."""

    __tablename__ = "stock_import"
    __table_args__ = (
        # A retried upload with the same Idempotency-Key finds the first one.
        Index(
            "uq_stock_import_point_id_idempotency_key",
            "point_id",
            "idempotency_key",
            unique=True,
        ),
        Index("ix_stock_import_point_id_id", "point_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Not a foreign key: the record outlives a deleted point, like the ledger.
    point_id: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str | None] = mapped_column(String(FILENAME_MAX_LENGTH))
    sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(8))
    size: Mapped[int] = mapped_column(BigInteger)
    mode: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    summary: Mapped[dict[str, int]] = mapped_column(JSON)
    reverted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    # The first answer, replayed to a retry with the same key and file.
    response: Mapped[dict[str, object] | None] = mapped_column(JSON)
