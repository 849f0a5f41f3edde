"""Encrypted secret ballots: the reference implementation of docs/ballot-crypto.md.

Pure (no I/O; `ballotcrypto.vectors` writes the vector file), on ristretto255 through libsodium.
One concern per module: `group` (points, scalars, encodings), `hashing` (JCS, Hs, H256, tags),
`randomness`, `elgamal`, `proofs` (Schnorr, Chaum–Pedersen, range), `forms`, `ceremony` (the
监票人's key generation), `ballot` (encrypt, check, tracker, opening), `count` (totals, partial
decryption, combination), `errors`; `sodium` is the only module that touches pysodium.
"""
