package dev.sandboxsshd.server;

import java.security.GeneralSecurityException;

import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BaseCTRCipher;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;

/**
 * MINA's aes*-ctr, encrypting each packet into a scratch array and copying it back. MINA asks the JDK to encrypt in
 * place, and the JDK (CipherCore) first copies the whole input into a new array when input and output are the same:
 * 32 KiB of garbage per packet, a third of the daemon's allocation in an sftp get with the client's default cipher.
 */
final class AesCtrCipher extends BaseCTRCipher {
    private byte[] scratch = new byte[0];

    private AesCtrCipher(BuiltinCiphers spec) {
        super(spec.getIVSize(), spec.getAuthenticationTagSize(), spec.getKdfSize(), spec.getAlgorithm(), spec.getKeySize(),
                spec.getTransformation(), spec.getCipherBlockSize());
    }

    @Override
    public void update(byte[] input, int inputOffset, int inputLen) throws Exception {
        if (scratch.length < inputLen) {
            scratch = new byte[inputLen];
        }
        int stored = getCipherInstance().update(input, inputOffset, inputLen, scratch, 0);
        if (stored != inputLen) { // CTR never holds bytes back for whole blocks, which SSH always passes
            throw new GeneralSecurityException(getAlgorithm() + "-ctr held back " + (inputLen - stored) + " bytes");
        }
        System.arraycopy(scratch, 0, input, inputOffset, inputLen);
    }

    /** This cipher under the name of a built-in AES-CTR one; any other factory as it is. */
    static NamedFactory<Cipher> inPlaceOf(NamedFactory<Cipher> factory) {
        return factory instanceof BuiltinCiphers spec && "AES/CTR/NoPadding".equals(spec.getTransformation())
                ? new Factory(spec)
                : factory;
    }

    /** Negotiated under the built-in cipher's name. */
    record Factory(BuiltinCiphers spec) implements NamedFactory<Cipher> {
        @Override
        public String getName() {
            return spec.getName();
        }

        @Override
        public Cipher create() {
            return new AesCtrCipher(spec);
        }
    }
}
