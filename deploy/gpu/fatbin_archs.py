#!/usr/bin/env python3
"""Lists the GPU code in a CUDA library: the cubin (ELF) architectures and the PTX of its .nv_fatbin section.

What `cuobjdump --list-elf --list-ptx` reports, without the CUDA toolkit. Used to establish which GPUs can run the
trainer's CUDA image (deploy/README.md, "Supported GPUs"):

    python3 deploy/gpu/fatbin_archs.py libnd4jcuda.so

The section holds fatbin containers, each a 16-byte header (magic 0xBA55ED50, version u16, header size u16, payload
size u64) followed by entries: kind u16 (1 = PTX, 2 = ELF cubin), version u16, header size u32, payload size u64,
..., and the architecture u32 at offset 28 (sm_XY as XY).
"""
import collections
import struct
import sys

FATBIN_MAGIC = 0xBA55ED50
KINDS = {1: 'PTX', 2: 'ELF'}


def elf_section(data, wanted):
    if data[:4] != b'\x7fELF' or data[4] != 2:
        raise SystemExit('expected a 64-bit ELF file, found something else')
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3A)
    header = lambda i: struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize)
    names = header(shstrndx)[4]
    for i in range(shnum):
        h = header(i)
        name = data[names + h[0]: data.index(b'\0', names + h[0])].decode()
        if name == wanted:
            return data[h[4]: h[4] + h[5]]
    raise SystemExit('expected a %s section, found none' % wanted)


def code_entries(fatbin):
    """(kind, arch) of every entry of every container; containers are 8-byte aligned."""
    offset = 0
    while offset + 16 <= len(fatbin):
        magic, _, header_size, size = struct.unpack_from('<IHHQ', fatbin, offset)
        if magic != FATBIN_MAGIC:
            offset += 8
            continue
        entry, end = offset + header_size, offset + header_size + size
        while entry < end:
            kind, _, entry_header, entry_size = struct.unpack_from('<HHIQ', fatbin, entry)
            arch, = struct.unpack_from('<I', fatbin, entry + 28)
            yield KINDS.get(kind, 'kind %d' % kind), 'sm_%d' % arch
            entry += entry_header + entry_size
        offset = end


def main(path):
    with open(path, 'rb') as f:
        fatbin = elf_section(f.read(), '.nv_fatbin')
    counts = collections.Counter(code_entries(fatbin))
    if not counts:
        raise SystemExit('expected fatbin containers in .nv_fatbin, found none')
    for (kind, arch), n in sorted(counts.items(), key=lambda e: (e[0][0], int(e[0][1][3:]))):
        print('%s %s (%d containers)' % (kind, arch, n))
    if not any(kind == 'PTX' for kind, _ in counts):
        print('no PTX: a GPU whose compute capability has a higher major version than every cubin cannot run it')


if __name__ == '__main__':
    if len(sys.argv) != 2:
        raise SystemExit('usage: fatbin_archs.py LIBRARY.so')
    main(sys.argv[1])
