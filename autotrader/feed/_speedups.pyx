# cython: language_level=3, boundscheck=False, wraparound=False
"""The replay's line loop compiled: ``feed/lines.py``'s ``feed_numbered`` for the lines
of ``0B`` trade ticks whose fields are all good, in C.

The pure-Python loop (``lines.feed_numbered_py`` with ``FrameDecoder.feed_line`` and
``_trade``) is the reference, and it stays the only place that judges anything
unusual. This loop does what it does for the common case only: a tick whose time,
price and checked fields fit their patterns, for a subscribed symbol whose day's band
is known. It reads those fields' bytes directly instead of through cached regex
matches, moves the clock for a well-formed receive time (``_clock_to`` and
``_receive``'s good cases), writes the symbol's state and calls the engine. Anything
else (a line msgspec declines, a garbled or absent field, a new symbol, a price outside
the band, a time that does not parse) is handed to the Python methods at the point
where the two agree, so a bad line is told exactly as before. ``tests/feed/test_speedups.py`` holds the two equal on
generated and garbled tapes, and ``AUTOTRADER_PURE_PYTHON=1`` runs without this module.
"""

from types import MemberDescriptorType

from cpython.long cimport PyLong_AsLongLong, PyLong_CheckExact
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_XDECREF
from libc.string cimport memcmp

from autotrader.feed.fastline import Entry, Line, Tick


cdef extern from "Python.h":
    bint PyUnicode_IS_COMPACT_ASCII(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    void* PyUnicode_DATA(object o)

    ctypedef struct PyMemberDef:
        int type
        Py_ssize_t offset

    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member

    enum:
        T_OBJECT
        T_OBJECT_EX


# -- slots read and written by offset ----------------------------------------------------
# msgspec's structs and the engine's ``SymbolState`` keep their fields in slots: member
# descriptors holding an object at a fixed offset. Reading one through ``getattr`` costs
# a type lookup and a descriptor call, about 15 ns, a dozen times a tick; this reads the
# slot itself. An offset is taken only from a descriptor that says it holds an object,
# and only used on an object of exactly that class.

cdef Py_ssize_t _offset(object cls, str name):
    """The offset of ``cls``'s object slot ``name``; 0 when it has none."""
    for klass in cls.__mro__:
        descr = klass.__dict__.get(name)
        if descr is not None:
            break
    else:
        return 0
    if type(descr) is not MemberDescriptorType:
        return 0
    cdef PyMemberDef* member = (<PyMemberDescrObject*>descr).d_member
    if member.type != T_OBJECT_EX and member.type != T_OBJECT:
        return 0
    return member.offset


cdef inline object _get(object obj, Py_ssize_t offset):
    cdef PyObject* value = (<PyObject**>((<char*><PyObject*>obj) + offset))[0]
    if value == NULL:
        raise AttributeError("a field of a decoded line is unset")
    return <object>value


cdef inline void _put(object obj, Py_ssize_t offset, object value):
    cdef PyObject** slot = <PyObject**>((<char*><PyObject*>obj) + offset)
    cdef PyObject* old = slot[0]
    Py_INCREF(value)
    slot[0] = <PyObject*>value
    Py_XDECREF(old)


cdef inline bint _holds(object obj, Py_ssize_t offset, long long value):
    """Whether the slot holds the int ``value`` already."""
    cdef PyObject* held = (<PyObject**>((<char*><PyObject*>obj) + offset))[0]
    return held != NULL and PyLong_CheckExact(<object>held) and PyLong_AsLongLong(<object>held) == value


cdef Py_ssize_t TRNM, RT, DATA, ITEM, VALUES
cdef Py_ssize_t F20, F10, F27, F28, F16, F17, F18, F15, F13, F12, F228


def _offsets(cls, *names):
    found = [_offset(cls, name) for name in names]
    if not all(found):  # another msgspec: lines.py runs the Python loop instead
        raise ImportError(f"{cls.__name__}: fields not in object slots")
    return found


TRNM, RT, DATA = _offsets(Line, "trnm", "rt", "data")
ITEM, VALUES = _offsets(Entry, "item", "values")
F20, F10, F27, F28, F16, F17, F18, F15, F13, F12, F228 = _offsets(
    Tick, "f20", "f10", "f27", "f28", "f16", "f17", "f18", "f15", "f13", "f12", "f228"
)


# Field bits of a symbol's checks (validate.TickChecks: prices, then shaped fields).
cdef enum:
    ASK = 1
    BID = 2
    OPEN = 4
    HIGH = 8
    LOW = 16
    VOLUME = 32
    CUM_VOLUME = 64
    RATE = 128
    STRENGTH = 256

_PRICE_BITS = {"27": ASK, "28": BID, "16": OPEN, "17": HIGH, "18": LOW}
_SHAPE_BITS = {"15": VOLUME, "13": CUM_VOLUME, "12": RATE, "228": STRENGTH}


cdef inline const char* _ascii(object s, Py_ssize_t* n):
    """The bytes of an ASCII ``str``; NULL for anything else (None, non-ASCII text)."""
    if type(s) is not str or not PyUnicode_IS_COMPACT_ASCII(s):
        return NULL
    n[0] = PyUnicode_GET_LENGTH(s)
    return <const char*>PyUnicode_DATA(s)


cdef inline bint _digit(char c):
    return c'0' <= c <= c'9'


cdef inline Py_ssize_t _sign(const char* p, Py_ssize_t n):
    """1 past a leading sign, else 0."""
    return 1 if n > 0 and (p[0] == c'+' or p[0] == c'-') else 0


cdef long long _digits(const char* p, Py_ssize_t i, Py_ssize_t n, Py_ssize_t most):
    """The value of ``p[i:n]``, 1 to ``most`` ASCII digits; -1 for anything else."""
    cdef long long value = 0
    if n - i < 1 or n - i > most:
        return -1
    while i < n:
        if not _digit(p[i]):
            return -1
        value = value * 10 + (p[i] - c'0')
        i += 1
    return value


cdef long long _int(object s, int most):
    """``[+-]?[0-9]{1,most}``: its absolute value, or -1."""
    cdef Py_ssize_t n
    cdef const char* p = _ascii(s, &n)
    if p == NULL:
        return -1
    return _digits(p, _sign(p, n), n, most)


cdef long long _last(object s):
    """Field 10, ``[+-]?0*[1-9][0-9]{0,8}``: the price (above 0), or -1."""
    cdef Py_ssize_t n, i
    cdef const char* p = _ascii(s, &n)
    if p == NULL:
        return -1
    i = _sign(p, n)
    while i < n and p[i] == c'0':
        i += 1
    return _digits(p, i, n, 9)  # after the zeros: a first digit that is not 0


cdef bint _decimal(object s, int whole, int frac):
    """``[+-]?[0-9]{1,whole}(?:\\.[0-9]{1,frac})?``."""
    cdef Py_ssize_t n, i, start
    cdef const char* p = _ascii(s, &n)
    if p == NULL:
        return False
    i = start = _sign(p, n)
    while i < n and _digit(p[i]):
        i += 1
    if i - start < 1 or i - start > whole:
        return False
    if i == n:
        return True
    if p[i] != c'.':
        return False
    i += 1
    start = i
    while i < n and _digit(p[i]):
        i += 1
    return i == n and 1 <= i - start <= frac


cdef bint _hms(object s):
    """``(?:[01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]``."""
    cdef Py_ssize_t n
    cdef const char* p = _ascii(s, &n)
    if p == NULL or n != 6:
        return False
    for i in range(6):
        if not _digit(p[i]):
            return False
    if p[0] > c'2' or (p[0] == c'2' and p[1] > c'3'):
        return False
    return p[2] <= c'5' and p[4] <= c'5'


cdef long _seconds(const char* p):
    """Seconds since midnight of the checked ``HHMMSS`` at ``p``."""
    return (
        ((p[0] - c'0') * 10 + (p[1] - c'0')) * 3600
        + ((p[2] - c'0') * 10 + (p[3] - c'0')) * 60
        + (p[4] - c'0') * 10 + (p[5] - c'0')
    )


cdef bint _price_ok(object s, long long low, long long high):
    """A price field a rule reads: ``[+-]?[0-9]{1,9}``, 0 or inside the day's band."""
    cdef long long p = _int(s, 9)
    return p == 0 or (p > 0 and low <= p <= high)


cdef bint _fields_ok(object v, int mask, long long low, long long high):
    """Every field in ``mask`` fits its pattern (validate.py's, as C)."""
    if mask & ASK and not _price_ok(_get(v, F27), low, high):
        return False
    if mask & BID and not _price_ok(_get(v, F28), low, high):
        return False
    if mask & OPEN and not _price_ok(_get(v, F16), low, high):
        return False
    if mask & HIGH and not _price_ok(_get(v, F17), low, high):
        return False
    if mask & LOW and not _price_ok(_get(v, F18), low, high):
        return False
    if mask & VOLUME and _int(_get(v, F15), 9) < 0:
        return False
    if mask & CUM_VOLUME and _int(_get(v, F13), 12) < 0:
        return False
    if mask & RATE and not _decimal(_get(v, F12), 2, 4):
        return False
    if mask & STRENGTH and not _decimal(_get(v, F228), 6, 4):
        return False
    return True


cdef int _mask_of(checks):
    cdef int mask = 0
    for fid in checks.prices:
        mask |= _PRICE_BITS[fid]
    for fid, _ in checks.shaped:
        mask |= _SHAPE_BITS[fid]
    return mask


cdef class _Loop:
    """One call's view of a decoder: its callbacks and dicts, read once, and its clock.

    The clock (``_last_ts``, ``_last_hms``, the receive time's second and its base) is
    the decoder's: this loop writes every change to it at once, and reads it from a copy
    that it loads again after each call into a decoder method, the only code that moves
    it (the engine's callbacks do not know the decoder)."""

    cdef dict d, states, bands, masks
    cdef object set_time, on_trade, checks_owner
    cdef object refused, trade, clock_to, advance, feed_line
    cdef Py_ssize_t frames  # added to the decoder's counters when the call ends
    cdef type slotted  # the state class whose slots are written by offset
    cdef object unslotted  # the last class found without them (not looked at again)
    cdef Py_ssize_t price, values, ts, ticks
    cdef object market
    cdef Py_ssize_t now, quiet_until  # the market's slots; 0: call set_time every time
    # the decoder's clock, as last loaded or written
    cdef object last_ts, last_hms, rt_second
    cdef double last_ts_value, rt_base
    cdef const char* rt_second_p  # rt_second's 6 ASCII bytes, or NULL
    cdef bint wall_clock, live

    def __init__(self, decoder):
        self.d = decoder.__dict__
        self.states = decoder.states
        self.bands = decoder._bands
        self.set_time = decoder.set_time
        self.on_trade = decoder.on_trade
        self.refused = decoder._refused
        self.trade = decoder._trade
        self.clock_to = decoder._clock_to
        self.advance = decoder._advance
        self.feed_line = decoder.feed_line
        self.masks = {}
        self.checks_owner = None
        self.frames = 0
        self.slotted = None
        self.unslotted = None
        self.market = decoder.market
        self.now = _offset(type(self.market), "now")
        self.quiet_until = _offset(type(self.market), "quiet_until")
        if not self.now:
            self.quiet_until = 0
        self.load()

    cdef int load(self) except -1:
        """Read the decoder's clock (after a decoder method may have moved it)."""
        cdef Py_ssize_t n = 0
        d = self.d
        self.last_ts = d["_last_ts"]
        self.last_ts_value = self.last_ts
        self.last_hms = d["_last_hms"]
        self.rt_second = d["_rt_second"]
        self.rt_second_p = _ascii(self.rt_second, &n)
        if n != 6:
            self.rt_second_p = NULL
        self.rt_base = d["_rt_base"]
        self.wall_clock = d["wall_clock"] is True
        self.live = d["live"] is not False
        return 0

    cdef bint learn_slots(self, object cls):
        """Whether ``cls`` keeps the four fields a tick writes in object slots."""
        if cls is self.unslotted:
            return False
        offsets = [_offset(cls, name) for name in ("price", "values", "ts", "ticks")]
        if not all(offsets):
            self.unslotted = cls
            return False
        self.slotted = cls
        self.price, self.values, self.ts, self.ticks = offsets
        return True

    cdef int mask(self, item) except -1:
        """The fields ``item``'s rules read, as bits; made afresh after a reload."""
        owner = self.d["_symbol_checks"]
        if owner is not self.checks_owner:
            self.masks = {}
            self.checks_owner = owner
        m = self.masks.get(item)
        if m is None:
            m = self.masks[item] = _mask_of(owner.of(item))
        return m

    cdef int line(self, object parsed, bytes source) except -1:
        """``FrameDecoder.feed_line``."""
        cdef Py_ssize_t n, sn, i
        cdef const char* p
        cdef const char* sp
        cdef double ms, base
        cdef dict d = self.d
        if type(parsed) is not Line or _get(parsed, TRNM) != "REAL":
            self.feed_line(parsed, source)
            self.load()
            return 0
        self.frames += 1
        rt = _get(parsed, RT)
        if rt is not None:
            p = _ascii(rt, &n)
            if (
                p == NULL or n != 10 or p[6] != c'.'
                or not (_digit(p[7]) and _digit(p[8]) and _digit(p[9]))
            ):
                ok = self.clock_to(rt)  # tells why
                self.load()
                if not ok:
                    return 0
            else:
                ms = ((p[7] - c'0') * 100 + (p[8] - c'0') * 10 + (p[9] - c'0')) * 0.001
                if self.rt_second_p != NULL and memcmp(p, self.rt_second_p, 6) == 0:
                    self.clock(self.rt_base + ms)  # _clock_to's common case
                elif not self.live and _hms(rt[:6]):  # _receive's
                    base = <double>d["day_start"] + _seconds(p)
                    second = rt[:6]
                    d["_rt_base"] = self.rt_base = base
                    d["_rt_second"] = self.rt_second = second
                    self.rt_second_p = _ascii(second, &n)
                    d["wall_clock"] = True  # the entries' whole seconds only validate
                    self.wall_clock = True
                    self.clock(base + ms)
                else:
                    ok = self.clock_to(rt)
                    self.load()
                    if not ok:
                        return 0
        i = 0
        for entry in <list>_get(parsed, DATA):
            try:
                self.tick(_get(entry, ITEM), _get(entry, VALUES))
            except (KeyError, ValueError, TypeError, AttributeError) as exc:
                self.refused(exc, source, i)
                self.load()
            i += 1
        return 0

    cdef int clock(self, double ts) except -1:
        """A receive time moves the clock (never backwards)."""
        if ts > self.last_ts_value:
            t = ts
            self.d["_last_ts"] = self.last_ts = t
            self.last_ts_value = ts
            self.move_clock(t, ts)
        return 0

    cdef int move_clock(self, object t, double ts) except -1:
        """``set_time(t)``, without the call while the market is quiet: until
        ``market.quiet_until`` a reading changes nothing but ``market.now`` (the
        engine's ``set_time`` says so and keeps it)."""
        if self.quiet_until and ts < <double>_get(self.market, self.quiet_until):
            _put(self.market, self.now, t)
        else:
            self.set_time(t)
        return 0

    cdef int tick(self, item, v) except -1:
        """``FrameDecoder._trade`` for a good tick; any other goes to it."""
        cdef long long price, low, high
        cdef dict d = self.d
        hms = _get(v, F20)
        if hms is not self.last_hms and hms != self.last_hms:
            if not _hms(hms):
                self.trade(item, v)
                self.load()
                return 0
            if self.wall_clock and hms == self.rt_second:
                d["_last_hms"] = self.last_hms = hms  # _advance's: checked with the receive time
            else:
                self.advance(hms)
                self.load()
        st = self.states.get(item)
        band = self.bands.get(item)
        if st is None or band is None:
            self.trade(item, v)
            self.load()
            return 0
        price = _last(_get(v, F10))
        low, high = <tuple>band
        if price < low or price > high or not _fields_ok(v, self.mask(item), low, high):
            self.trade(item, v)  # also for price == -1: garbled
            self.load()
            return 0
        if type(st) is self.slotted or self.learn_slots(type(st)):
            if not _holds(st, self.price, price):  # the same price: no new int
                _put(st, self.price, price)
            _put(st, self.values, v)
            _put(st, self.ts, self.last_ts)
            _put(st, self.ticks, _get(st, self.ticks) + 1)
        else:
            st.price = price
            st.values = v
            st.ts = self.last_ts
            st.ticks += 1
        self.on_trade(st)
        return 0


def feed_numbered(decoder, numbered, decode, not_fast, slow, judge):
    """``lines.feed_numbered_py``: ``slow(line)`` decodes and feeds a line msgspec
    declines; ``judge(lineno, line)`` tells or refuses a line that was counted bad.
    The frames this loop counts itself are added to the counters when it ends."""
    cdef _Loop loop = _Loop(decoder)
    c = decoder.counters
    try:
        for lineno, line in numbered:
            before = c.malformed
            try:
                parsed = decode(line)
            except not_fast:
                slow(line)
                loop.load()
            else:
                loop.line(parsed, line)
            if c.malformed != before:
                judge(lineno, line)
    finally:
        c.frames += loop.frames
