"""Signature and seal images encoded once per process: pyHanko's ``PdfImage`` decodes the PNG,
splits off its alpha channel and compresses both for every document; a hub stamps the same
few images on every document it signs. Here the encoded image XObject and its soft mask are
made once per image (pyHanko's own ``pil_image``, so the same objects) and each document gets
new stream objects carrying those encoded bytes.
"""

from __future__ import annotations

import functools
import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.images import PdfImage

#: (dictionary entries other than /SMask, encoded data, the soft mask's template or None)
_Template = tuple[dict, bytes, "tuple | None"]


class KeptImage(PdfImage):
    """A ``PdfImage`` of a PNG whose image XObject comes from the per-process templates."""

    def __init__(self, png: bytes, writer) -> None:
        from PIL import Image

        super().__init__(Image.open(io.BytesIO(png)), writer=writer)
        self._png = png

    @property
    def image_ref(self) -> generic.IndirectObject:
        if self._image_ref is None or self._image_ref.get_pdf_handler() is not self.writer:
            self._image_ref = _add(self.writer, _template(self._png))
        return self._image_ref


def _add(writer, template: _Template) -> generic.IndirectObject:
    entries, data, smask = template
    dictionary = generic.DictionaryObject(dict(entries))
    if smask is not None:
        dictionary[generic.pdf_name("/SMask")] = _add(writer, smask)
    return writer.add_object(generic.StreamObject(dictionary, encoded_data=data))


@functools.lru_cache(maxsize=16)
def _template(png: bytes) -> _Template:
    from PIL import Image
    from pyhanko.pdf_utils.images import pil_image
    from pyhanko.pdf_utils.writer import PdfFileWriter

    return _capture(pil_image(Image.open(io.BytesIO(png)), PdfFileWriter()).get_object())


def _capture(stream: generic.StreamObject) -> _Template:
    entries = {key: value for key, value in stream.items() if key != "/SMask"}
    smask = stream.get("/SMask")
    return entries, stream.encoded_data, None if smask is None else _capture(smask.get_object())
