"""What a file says about its own origin outside C2PA: generator settings, AI labels, XMP, EXIF.

Read with Pillow only (`info` for PNG text chunks, `getexif()`, `getxmp()`), from
an image opened lazily: no pixels are decoded. Every value is bounded before it
is parsed, and anything malformed is skipped rather than raised.
"""

from __future__ import annotations

import json
import re

from PIL import ExifTags, Image

from ..text import clean, excerpt
from .vocabulary import AI_EDITED, AI_GENERATED, AIGC_LABELS, source_type

# Bounds on what is parsed: one metadata value (a text chunk, the XMP packet,
# an EXIF comment) larger than this is not parsed, and only its name is used.
MAX_VALUE_BYTES = 256 * 1024
MAX_XMP_NODES = 20_000
# A JPEG may split its metadata over several XMP segments; more than this many are not read.
MAX_XMP_PACKETS = 8
XMP_SEGMENT_PREFIX = b"http://ns.adobe.com/xap/1.0/\x00"
PROMPT_EXCERPT_CHARS = 160
NAME_CHARS = 80
# China's GB 45438-2025 implicit AI label (vocabulary.AIGC_LABELS): a JSON object of a
# few hundred bytes under the name AIGC. A longer value is not parsed; each field shown
# is cut to NAME_CHARS; at most MAX_AI_LABELS values named AIGC are tried.
AI_LABEL_NAME = "AIGC"
MAX_AI_LABEL_BYTES = 16 * 1024
MAX_AI_LABELS = 8
# The label's fields that are shown, by the names the API gives them. Its two reserved
# codes (for a signature or a hash) are not read: nothing here could check them.
AI_LABEL_FIELDS = {
    "ContentProducer": "content_producer",
    "ProduceID": "produce_id",
    "ContentPropagator": "content_propagator",
    "PropagateID": "propagate_id",
}

# Software names that only image generators write (matched as words, any case).
KNOWN_GENERATORS = [
    (r"novel\s?ai", "NovelAI"),
    (r"midjourney", "Midjourney"),
    (r"dall[\s\-·]?e", "DALL-E (OpenAI)"),
    (r"gpt-image|chatgpt", "OpenAI ChatGPT"),
    (r"adobe firefly|firefly", "Adobe Firefly"),
    (r"automatic1111|stable diffusion web ?ui", "Stable Diffusion web UI (AUTOMATIC1111)"),
    (r"stable diffusion|sdxl|dreamstudio", "Stable Diffusion"),
    (r"comfy\s?ui", "ComfyUI"),
    (r"invoke\s?ai", "InvokeAI"),
    (r"fooocus", "Fooocus"),
    (r"swarm\s?ui", "SwarmUI"),
    (r"easy diffusion", "Easy Diffusion"),
    (r"diffusion\s?bee", "DiffusionBee"),
    (r"draw things", "Draw Things"),
    (r"google imagen|imagen \d", "Google Imagen"),
    (r"gemini", "Google Gemini"),
    (r"bing image creator|image creator from microsoft", "Microsoft Bing Image Creator"),
    (r"leonardo\.?\s?ai", "Leonardo.Ai"),
    (r"ideogram", "Ideogram"),
    (r"craiyon", "Craiyon"),
    (r"nightcafe", "NightCafe"),
    (r"flux\.1|black forest labs", "FLUX (Black Forest Labs)"),
]
_GENERATOR_PATTERNS = [
    (re.compile(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])", re.I), name) for pattern, name in KNOWN_GENERATORS
]
# AUTOMATIC1111-style parameters: "prompt\nNegative prompt: ...\nSteps: 20, Sampler: ..., Seed: ..."
_A1111_SETTINGS = re.compile(r"(?:^|\n)\s*Steps: \d+,.*(?:Sampler|Seed): ", re.S)
_EXIF_CHARSETS = {b"ASCII\x00\x00\x00": "ascii", b"UNICODE\x00": "utf-16", b"JIS\x00\x00\x00\x00\x00": "shift_jis"}

EXIF_SOFTWARE = 0x0131
EXIF_MAKE = 0x010F
EXIF_MODEL = 0x0110
EXIF_DATETIME = 0x0132
EXIF_DESCRIPTION = 0x010E
EXIF_DATETIME_ORIGINAL = 0x9003
EXIF_USER_COMMENT = 0x9286
EXIF_XP_COMMENT = 0x9C9C


def known_generator(text: object) -> str | None:
    """The generator a Software/CreatorTool value names, if it is one this module knows."""
    if not isinstance(text, str):
        return None
    return next((name for pattern, name in _GENERATOR_PATTERNS if pattern.search(text[: NAME_CHARS * 4])), None)


def with_article(name: str) -> str:
    """name after "a" or "an", chosen by its first letter ("an Apple iPhone", "a Canon EOS")."""
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def no_generator(summary: str = "No generator settings or AI labels in the file's metadata.") -> dict:
    """The generator finding when nothing was found."""
    return {
        "present": False,
        "summary": summary,
        "strength": "none",
        "declares": None,
        "generator": None,
        "found_in": None,
        "prompt_excerpt": None,
        "digital_source_type": None,
        "ai_label": None,
    }


def no_camera(summary: str = "No camera details (EXIF) in the file.") -> dict:
    """The camera finding when nothing was found."""
    return {
        "present": False,
        "summary": summary,
        "strength": "none",
        "make": None,
        "model": None,
        "captured_at": None,
        "software": None,
    }


def read_metadata(image: Image.Image) -> tuple[dict, dict]:
    """The `generator_metadata` and `camera_metadata` findings for an opened image."""
    exif, exif_note = _exif(image)
    xmp, xmp_note = _xmp(image)
    generator = _text_chunks(image.info) or _exif_comment(exif) or _xmp_generator(xmp) or _software(exif, xmp)
    declared = _xmp_source_type(xmp)
    label, label_note = _ai_label(image.info, exif, xmp)
    finding = _generator_finding(generator, declared, label)
    notes = [note for note in (exif_note, xmp_note, label_note) if note]
    if notes and not finding["present"]:
        finding["summary"] += " " + " ".join(notes)
    return finding, _camera_finding(exif, generator)


# --- generator settings -------------------------------------------------------------------------

_Found = dict  # {"generator", "found_in", "prompt"}


def _found(generator: str, found_in: str, prompt: object = None) -> _Found:
    """What one source of generator settings said."""
    return {"generator": generator, "found_in": found_in, "prompt": prompt if isinstance(prompt, str) else None}


def _text_chunks(info: dict) -> _Found | None:
    """Generator settings in PNG text chunks (Pillow's `info`), by the tool that wrote them."""
    text = {
        key: value
        for key, value in info.items()
        if isinstance(key, str) and isinstance(value, str) and len(value) <= MAX_VALUE_BYTES
    }
    big = {key for key, value in info.items() if isinstance(value, str) and len(value) > MAX_VALUE_BYTES}

    if "parameters" in text or "parameters" in big:
        return _parameters(text.get("parameters"))
    if "invokeai_metadata" in text or "invokeai_graph" in text or "invokeai_metadata" in big:
        meta = _json(text.get("invokeai_metadata"))
        return _found("InvokeAI", "PNG text chunk 'invokeai_metadata'", meta.get("positive_prompt"))
    if "sd-metadata" in text or "sd-metadata" in big:
        meta = _json(text.get("sd-metadata"))
        prompt = (meta.get("image") or {}).get("prompt") if isinstance(meta.get("image"), dict) else None
        if isinstance(prompt, list) and prompt and isinstance(prompt[0], dict):
            prompt = prompt[0].get("prompt")
        return _found("InvokeAI", "PNG text chunk 'sd-metadata'", prompt)
    if "Dream" in text:
        return _found("InvokeAI", "PNG text chunk 'Dream'", text["Dream"].split(" -", 1)[0].strip('" '))
    software = text.get("Software", "")
    if "NovelAI" in software or str(text.get("Source", "")).startswith("NovelAI"):
        comment = _json(text.get("Comment"))
        return _found(
            "NovelAI", "PNG text chunks 'Software' and 'Comment'", text.get("Description") or comment.get("prompt")
        )
    if "prompt" in text or "workflow" in text or {"prompt", "workflow"} & big:
        if "use_stable_diffusion_model" in text:
            return _found("Easy Diffusion", "PNG text chunk 'prompt'", text.get("prompt"))
        graph = _json(text.get("prompt"))
        if graph or "workflow" in text or {"prompt", "workflow"} & big:
            return _found(
                "ComfyUI",
                "PNG text chunks 'prompt' and 'workflow'" if "workflow" in text else "PNG text chunk 'prompt'",
                _comfy_prompt(graph),
            )
    if known_generator(software):
        return _found(known_generator(software), "PNG text chunk 'Software'", text.get("Description"))
    return None


def _parameters(value: str | None) -> _Found:
    """The `parameters` chunk of AUTOMATIC1111, Forge, Fooocus, SwarmUI and their forks."""
    where = "PNG text chunk 'parameters'"
    if value is None:
        return _found("Stable Diffusion web UI (AUTOMATIC1111)", where)
    data = _json(value)
    if isinstance(data.get("sui_image_params"), dict):
        return _found("SwarmUI", where, data["sui_image_params"].get("prompt"))
    if data:
        return _found(
            "Fooocus" if "Fooocus" in value[:4096] or "Performance" in data else "an image generator",
            where,
            data.get("Prompt") or data.get("prompt"),
        )
    generator = "Stable Diffusion web UI (AUTOMATIC1111)"
    version = re.search(r"Version: ([^,\n]+)", value)
    if "Fooocus" in value:
        generator = "Fooocus"
    elif version and version.group(1).startswith("f"):
        generator = "Stable Diffusion web UI Forge"
    return _found(generator, where, _a1111_prompt(value))


def _a1111_prompt(value: str) -> str:
    """The positive prompt: everything before the negative prompt or the settings line."""
    for marker in ("\nNegative prompt:", "Negative prompt:"):
        if marker in value:
            return value.split(marker, 1)[0]
    return re.split(r"\n\s*Steps: \d+", value, maxsplit=1)[0]


def _comfy_prompt(graph: dict) -> str | None:
    """The text of the CLIP encoder a sampler uses as its positive prompt, else of any encoder."""
    nodes = {key: node for key, node in graph.items() if isinstance(node, dict)}
    for node in nodes.values():
        positive = (node.get("inputs") or {}).get("positive") if isinstance(node.get("inputs"), dict) else None
        if isinstance(positive, list) and positive and str(positive[0]) in nodes:
            text = _encoder_text(nodes[str(positive[0])])
            if text:
                return text
    return next((text for text in map(_encoder_text, nodes.values()) if text), None)


def _encoder_text(node: dict) -> str | None:
    inputs = node.get("inputs") if isinstance(node.get("inputs"), dict) else {}
    if "TextEncode" not in str(node.get("class_type", "")):
        return None
    text = inputs.get("text") or inputs.get("text_g") or inputs.get("prompt")
    return text if isinstance(text, str) else None


def _exif_comment(exif: Image.Exif | None) -> _Found | None:
    """AUTOMATIC1111 and its forks write their parameters into EXIF UserComment in JPEG and WebP."""
    if exif is None:
        return None
    comment = _decode_user_comment(_exif_ifd(exif).get(EXIF_USER_COMMENT))
    if comment and _A1111_SETTINGS.search(comment):
        found = _parameters(comment)
        found["found_in"] = "EXIF UserComment"
        return found
    return None


def _decode_user_comment(value: object) -> str | None:
    if isinstance(value, str):
        return value[:MAX_VALUE_BYTES]
    if not isinstance(value, bytes) or len(value) > MAX_VALUE_BYTES:
        return None
    charset = _EXIF_CHARSETS.get(value[:8])
    body = value[8:] if charset or value[:8] == b"\x00" * 8 else value
    if charset == "utf-16":
        # The byte order is not recorded; a UTF-16 text of mostly ASCII shows it by its zero bytes.
        charset = "utf-16-be" if body[:1] == b"\x00" else "utf-16-le"
    return body.decode(charset or "utf-8", "replace")


def _software(exif: Image.Exif | None, xmp: list[dict]) -> _Found | None:
    """EXIF Software or XMP CreatorTool naming a known generator."""
    software = exif.get(EXIF_SOFTWARE) if exif is not None else None
    if known_generator(software):
        description = exif.get(EXIF_DESCRIPTION)
        return _found(known_generator(software), "EXIF Software", description)
    for tool in _xmp_values(xmp, "CreatorTool"):
        if known_generator(tool):
            return _found(known_generator(tool), "XMP xmp:CreatorTool")
    return None


# --- XMP ----------------------------------------------------------------------------------------


def _xmp(image: Image.Image) -> tuple[list[dict], str | None]:
    """Every XMP packet, each as Pillow's nested dict, if small enough and well formed; a note on any skipped."""
    packets = _xmp_packets(image)
    parsed, notes = [], []
    for packet in packets[:MAX_XMP_PACKETS]:
        if len(packet) > MAX_VALUE_BYTES:
            notes.append("The XMP metadata is too large to read.")
            continue
        try:
            parsed.append(_parse_xmp(image, packet))
        except Exception:  # malformed XML, entity tricks refused by defusedxml, absurd nesting
            notes.append("The XMP metadata could not be read.")
    if len(packets) > MAX_XMP_PACKETS:
        notes.append(f"Only the first {MAX_XMP_PACKETS} of its {len(packets)} XMP packets were read.")
    return parsed, " ".join(dict.fromkeys(notes)) or None


def _xmp_packets(image: Image.Image) -> list[bytes]:
    """The file's XMP packets: every APP1 XMP segment of a JPEG (Pillow's info keeps only the last), else info's."""
    packets = [
        payload[len(XMP_SEGMENT_PREFIX) :]
        for marker, payload in getattr(image, "applist", ())
        if marker == "APP1" and payload.startswith(XMP_SEGMENT_PREFIX)
    ]
    if packets:
        return packets
    raw = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    return [raw] if raw else []


def _parse_xmp(image: Image.Image, packet: bytes | str) -> dict:
    """One packet parsed by Pillow's getxmp, which reads the packet in info["xmp"]."""
    kept = image.info.get("xmp")
    image.info["xmp"] = packet
    try:
        return image.getxmp()
    finally:
        if kept is None:
            del image.info["xmp"]
        else:
            image.info["xmp"] = kept


def _xmp_values(xmp: list[dict], name: str) -> list[str]:
    """Every text value of XMP properties called name (any namespace), in document order."""
    return [text for value in _xmp_properties(xmp, name) for text in _texts(value)]


def _xmp_properties(xmp: list[dict], name: str) -> list[object]:
    """The values of XMP properties called name (any namespace) as Pillow parsed them, in document order."""
    values, stack, visited = [], [xmp], 0
    while stack and visited < MAX_XMP_NODES:
        node = stack.pop()
        visited += 1
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            if name in node:
                values.append(node[name])
            stack.extend(reversed([value for key, value in node.items() if key != name]))
    return values


def _texts(value: object) -> list[str]:
    """Text of an XMP value: plain text, rdf:resource, or the items of an rdf:Alt/Bag/Seq."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [text for item in value[:20] for text in _texts(item)]
    if isinstance(value, dict):
        for key in ("resource", "text", "li", "Alt", "Bag", "Seq"):
            if key in value:
                return _texts(value[key])
    return []


def _xmp_source_type(xmp: list[dict]):
    """The IPTC digital source type declared in XMP (`Iptc4xmpExt:DigitalSourceType`), if any."""
    for value in _xmp_values(xmp, "DigitalSourceType"):
        kind = source_type(value)
        if kind:
            return kind
    return None


def _xmp_generator(xmp: list[dict]) -> _Found | None:
    """The IPTC AI fields (2025): the AI system used and the prompt."""
    system = next(iter(_xmp_values(xmp, "AISystemUsed")), None)
    prompt = next(iter(_xmp_values(xmp, "AIPromptInformation")), None)
    if system or prompt:
        version = next(iter(_xmp_values(xmp, "AISystemVersionUsed")), None)
        name = f"{system} {version}" if system and version else system or "an AI system"
        return _found(name, "XMP Iptc4xmpExt:AISystemUsed" if system else "XMP Iptc4xmpExt:AIPromptInformation", prompt)
    return None


# --- China's GB 45438-2025 AI label -------------------------------------------------------------


def _ai_label(info: dict, exif: Image.Exif | None, xmp: list[dict]) -> tuple[dict | None, str | None]:
    """The GB 45438-2025 implicit AI label, from XMP, a PNG text chunk or an EXIF comment; a note if unreadable.

    The standard puts it in XMP; some generators write the same JSON into a PNG
    text chunk or an EXIF comment instead. A value named AIGC that is not a label
    gets a note; an EXIF comment counts only when it is one.
    """
    named = [(value, "XMP TC260:AIGC") for value in _xmp_properties(xmp, AI_LABEL_NAME)]
    named += [(value, f"PNG text chunk '{key}'") for key, value in info.items() if _is_label_name(key)]
    for value, where in [*named[:MAX_AI_LABELS], *_exif_comments(exif)]:
        label = _parse_ai_label(value)
        if label:
            return {**label, "found_in": where}, None
    if named:
        return (
            None,
            "Its GB 45438-2025 AI label (AIGC) could not be read: it is not a JSON object with a Label of 1, 2 or 3.",
        )
    return None, None


def _is_label_name(key: object) -> bool:
    """Whether a PNG text chunk's keyword names the label (generators differ in case)."""
    return isinstance(key, str) and key.strip().upper() == AI_LABEL_NAME


def _exif_comments(exif: Image.Exif | None) -> list[tuple[object, str]]:
    """The EXIF text fields some generators write the label into, with where each is."""
    if exif is None:
        return []
    return [
        (exif.get(EXIF_DESCRIPTION), "EXIF ImageDescription"),
        (_decode_user_comment(_exif_ifd(exif).get(EXIF_USER_COMMENT)), "EXIF UserComment"),
        (_decode_xp_text(exif.get(EXIF_XP_COMMENT)), "EXIF XPComment"),
    ]


def _decode_xp_text(value: object) -> str | None:
    """Windows' XP* tags: UTF-16LE bytes (Pillow may give them as a tuple of byte values)."""
    if isinstance(value, tuple) and len(value) <= 2 * MAX_AI_LABEL_BYTES and all(isinstance(b, int) for b in value):
        value = bytes(b & 0xFF for b in value)
    if not isinstance(value, bytes) or len(value) > 2 * MAX_AI_LABEL_BYTES:
        return None
    return value.decode("utf-16-le", "replace").rstrip("\x00")


def _parse_ai_label(value: object) -> dict | None:
    """The label's public fields, from its JSON text or an XMP structure; None if it is not a GB 45438-2025 label."""
    fields = _label_object(value)
    if "Label" not in fields and AI_LABEL_NAME in fields:  # {"AIGC": {...}}: the label one level down
        fields = _label_object(fields[AI_LABEL_NAME])
    code = _label_code(fields.get("Label"))
    if code is None:
        return None
    return {
        "label": code,
        "meaning": AIGC_LABELS[code].meaning,
        "declares": AIGC_LABELS[code].declares,
        **{name: _label_field(fields.get(key)) for key, name in AI_LABEL_FIELDS.items()},
    }


def _label_object(value: object) -> dict:
    """value as the label's JSON object: an XMP structure as it is, text parsed (optionally after "AIGC:"), else {}."""
    if isinstance(value, dict):
        return value if "text" not in value or "Label" in value else _label_object(value["text"])
    if isinstance(value, bytes):
        value = value[: MAX_AI_LABEL_BYTES + 1].decode("utf-8", "replace")
    if not isinstance(value, str) or len(value) > MAX_AI_LABEL_BYTES:
        return {}
    text = value.strip()
    if text[: len(AI_LABEL_NAME)].upper() == AI_LABEL_NAME:
        text = text[len(AI_LABEL_NAME) :].lstrip(" :=")
    return _json(text)


def _label_code(value: object) -> str | None:
    """The Label as the standard writes it ("1", "2" or "3"; a bare number is accepted), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip() in AIGC_LABELS:
        return value.strip()
    return None


def _label_field(value: object) -> str | None:
    """One of the label's identifiers, as a short printable line (numbers written as text), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return clean(value, NAME_CHARS) if isinstance(value, str) else None


def _label_sentence(label: dict) -> str:
    """What the label says, who wrote it, and (for 2 and 3) that it settles nothing."""
    text = f"The file carries China's GB 45438-2025 AI label ({label['found_in']}): Label {label['label']}"
    text += f", {label['meaning']}"
    if label["content_producer"]:
        text += f", from content producer {label['content_producer']}"
    if label["content_propagator"]:
        text += f", passed on by {label['content_propagator']}"
    if label["declares"]:
        return text + "."
    return text + ": a weaker declaration, which does not settle whether the picture is AI-generated."


# --- the finding --------------------------------------------------------------------------------


def _generator_finding(generator: _Found | None, declared, label: dict | None) -> dict:
    """Combine generator settings, an XMP digital source type and a GB 45438-2025 label into one finding."""
    if generator is None and declared is None and label is None:
        return no_generator()
    # An explicit IPTC code is more specific than "a generator wrote settings" (it can say "AI-edited").
    if declared is not None and declared.declares in (AI_GENERATED, AI_EDITED):
        declares = declared.declares
    elif generator or (label and label["declares"]):
        declares = AI_GENERATED
    else:
        declares = None
    name = clean(generator["generator"], NAME_CHARS) if generator else None
    prompt = clean(generator["prompt"], PROMPT_EXCERPT_CHARS) if generator else None
    places = [
        generator["found_in"] if generator else None,
        "XMP Iptc4xmpExt:DigitalSourceType" if declared else None,
        label["found_in"] if label else None,
    ]
    found_in = " and ".join(place for place in places if place)

    sentences = []
    if generator:
        sentences.append(
            f"The file carries settings written by {name} ({generator['found_in']}): it was made by an image generator."
        )
    elif declared and (declares or label):
        sentences.append(f"The file's XMP metadata declares its origin as {declared.meaning}.")
    elif declared:
        sentences.append(
            f"The file's XMP metadata declares its origin as {declared.meaning}; "
            "this is not verified and does not settle whether it is AI-generated."
        )
    if label:
        sentences.append(_label_sentence(label))
    return {
        "present": True,
        "summary": " ".join(sentences),
        "strength": "strong" if declares else "weak" if label else "none",
        "declares": declares,
        "generator": name,
        "found_in": found_in,
        "prompt_excerpt": prompt,
        "digital_source_type": declared.url if declared else None,
        "ai_label": label,
    }


def _json(value: object) -> dict:
    """value parsed as a JSON object, or {} (also for lists, numbers and broken JSON)."""
    if not isinstance(value, str) or len(value) > MAX_VALUE_BYTES or not value.lstrip().startswith("{"):
        return {}
    try:
        data = json.loads(value)
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


# --- camera -------------------------------------------------------------------------------------


def _exif(image: Image.Image) -> tuple[Image.Exif | None, str | None]:
    raw = image.info.get("exif")
    if isinstance(raw, bytes) and len(raw) > MAX_VALUE_BYTES:
        return None, "The EXIF metadata is too large to read."
    if image.format == "PNG" and raw is None:
        # Pillow would decode the whole picture to look for an eXIf chunk after the pixels.
        return None, None
    try:
        exif = image.getexif()
        return (exif if len(exif) else None), None
    except Exception:  # truncated or malformed EXIF
        return None, "The EXIF metadata could not be read."


def _exif_ifd(exif: Image.Exif) -> dict:
    try:
        return dict(exif.get_ifd(ExifTags.IFD.Exif))
    except Exception:
        return {}


def _camera_finding(exif: Image.Exif | None, generator: _Found | None) -> dict:
    """Camera make, model, capture time and software from EXIF: a weak hint only."""
    if exif is None:
        return no_camera()
    ifd = _exif_ifd(exif)
    make, model = clean(exif.get(EXIF_MAKE), NAME_CHARS), clean(exif.get(EXIF_MODEL), NAME_CHARS)
    captured_at = clean(ifd.get(EXIF_DATETIME_ORIGINAL), 40)
    software = clean(exif.get(EXIF_SOFTWARE), NAME_CHARS)
    if not (make or model or captured_at):
        finding = no_camera()
        if software and not generator:
            finding["software"] = software
            finding["summary"] = f"No camera details in the file; its EXIF names the software {software}."
        return finding
    camera = (
        " ".join(part for part in (make, model) if part) if not (make and model and model.startswith(make)) else model
    )
    said = with_article(camera) if camera else "a camera"
    when = f" on {captured_at}" if captured_at else ""
    edited = f", last saved with {software}" if software else ""
    return {
        "present": True,
        "summary": excerpt(
            f"EXIF says it was taken with {said}{when}{edited}. This is a weak hint: EXIF is easy to strip or forge.",
            400,
        ),
        "strength": "weak",
        "make": make,
        "model": model,
        "captured_at": captured_at,
        "software": software,
    }
