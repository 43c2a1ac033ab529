from .money import to_cents, format_cents
from .invoice import invoice_total
