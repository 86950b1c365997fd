"""QR codes as inline SVG (no image library needed)."""

import io

import qrcode
import qrcode.image.svg


def qr_svg(data: str) -> str:
    """An SVG path image of `data`, scalable and printable; medium error correction."""
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def qr_png(data: str) -> bytes:
    """A PNG of `data` for e-mail (mail clients do not show SVG); pure Python (pypng)."""
    from qrcode.image.pure import PyPNGImage

    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
        box_size=8,
        mask_pattern=2,
        image_factory=PyPNGImage,
    )
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue()
