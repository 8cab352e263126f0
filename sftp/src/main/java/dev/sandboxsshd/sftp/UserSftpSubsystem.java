package dev.sandboxsshd.sftp;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.NavigableMap;
import java.util.function.Consumer;

import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.BufferException;
import org.apache.sshd.common.util.buffer.BufferUtils;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.io.IoUtils;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.session.ServerSession;
import org.apache.sshd.sftp.SftpModuleProperties;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.apache.sshd.sftp.common.SftpHelper;
import org.apache.sshd.sftp.common.extensions.openssh.AbstractOpenSSHExtensionParser.OpenSSHExtension;
import org.apache.sshd.sftp.server.DirectoryHandle;
import org.apache.sshd.sftp.server.FileHandle;
import org.apache.sshd.sftp.server.Handle;
import org.apache.sshd.sftp.server.SftpEventListener;
import org.apache.sshd.sftp.server.SftpSubsystem;
import org.apache.sshd.sftp.server.SftpSubsystemConfigurator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sandboxsshd.shell.Addresses;
import dev.sandboxsshd.shell.ArrayPool;
import dev.sandboxsshd.shell.FileSystemStats;
import dev.sandboxsshd.shell.LibC;
import dev.sandboxsshd.shell.LogText;
import dev.sandboxsshd.shell.OwnProcfs;
import dev.sandboxsshd.shell.OutputBudget;
import dev.sandboxsshd.shell.PosixUser;
import dev.sandboxsshd.shell.UserDatabase;
import dev.sandboxsshd.shell.UserIdentity;

/**
 * MINA's SFTP server plus the OpenSSH extensions it lacks and clients use: {@code statvfs}/{@code fstatvfs}
 * ({@code df}), {@code expand-path} ({@code scp host:~user/f}), {@code home-directory} and
 * {@code users-groups-by-id} ({@code ls -l} with names). Each runs on the session's identity thread, so the kernel
 * checks it as for the user. Existence and access are never asked of access(2), which checks the real uid (the
 * daemon's holder id, not the user's): {@code doOpenDir}, {@code doReadDir}, {@code doMakeDirectory},
 * {@code checkSymlinkState} (STAT, LSTAT, REMOVE, attributes) and {@code validateRealPath} replace MINA's
 * access-based probes by the operation itself or stat(2) as the user.
 */
final class UserSftpSubsystem extends SftpSubsystem {
    static final String STATVFS = "statvfs@openssh.com";
    static final String FSTATVFS = "fstatvfs@openssh.com";
    static final String EXPAND_PATH = "expand-path@openssh.com";
    static final String HOME_DIRECTORY = "home-directory";
    static final String USERS_GROUPS_BY_ID = "users-groups-by-id@openssh.com";
    /** The JDK's "unix" view's whole st_mode, which MINA reads with every STAT, LSTAT, FSTAT and READDIR. */
    private static final String UNIX_MODE = "mode";
    static final String COPY_DATA = "copy-data";

    private static final Logger LOG = LoggerFactory.getLogger(UserSftpSubsystem.class);
    private static final long MAX_MESSAGE = SftpFraming.MAX_MESSAGE;
    private static final int SFTP_DATA_HEADER = SftpFraming.SFTP_DATA_HEADER;
    private static final int SMALL_REPLY = SftpFraming.SMALL_REPLY;

    /**
     * WRITEs of 32 KiB (what OpenSSH's sftp and scp, rclone and most clients send) are received into arrays that are
     * used again; shorter and longer requests into arrays of their own size. Arrays of the largest message (264 KiB)
     * for every WRITE held 1 MiB per session for 128 KiB of data (24 MB of the heap with 24 sessions uploading).
     */
    private static final int REUSED_REQUEST = 32 * 1024;
    /** A 32 KiB WRITE with a handle of up to 256 bytes, its length, and the room MINA leaves after a request. */
    private static final int REUSED_REQUEST_ARRAY = Integer.BYTES + REUSED_REQUEST + 512 + Long.SIZE;

    private final Path home;
    private final OutputBudget output;
    /** Arrays of 32 KiB WRITEs; at most 4 (132 KiB) kept: the SFTP thread usually has one or two waiting. */
    private static final int KEPT_REQUEST_ARRAYS = 4;
    private final ArrayPool requestArrays = new ArrayPool(REUSED_REQUEST_ARRAY, KEPT_REQUEST_ARRAYS);
    /** The requests being received, on the channel's I/O thread. */
    private final SftpFraming framing = new SftpFraming(this::newRequest);
    private final Consumer<Buffer> enqueue = request -> requests.add(request);
    /** MINA's cap on a read (it truncates longer requests), resolved once instead of per READ. */
    private final int maxReadLength;
    /** Sized by doProcess for the request being answered (the SFTP thread is the only one here). */
    private int replyRoom = SMALL_REPLY;
    /**
     * READ replies are read into an array kept here and copied into packets of the client's size, instead of a new
     * array of the read's size per READ.
     */
    private final ArrayPool readArrays;
    /**
     * The read array the reply being built lives in, given back once the reply is sent. A READ that fails (at the
     * end of every file) builds its STATUS reply in the same array, not in a second one.
     */
    private byte[] lentReadArray;

    UserSftpSubsystem(ChannelSession channel, SftpSubsystemConfigurator configurator, Path home, OutputBudget output) {
        super(channel, configurator);
        this.home = home;
        this.output = output;
        this.maxReadLength = SftpModuleProperties.MAX_READDATA_PACKET_LENGTH.getRequired(channel);
        this.readArrays = new ArrayPool(Integer.BYTES + maxReadLength + SFTP_DATA_HEADER + Long.SIZE, 1);
    }

    /**
     * Splits the channel's data into requests for the SFTP thread, copying each byte once into a request array
     * (MINA's copied everything twice and made a new array per request: 2 GB copied and 1 GB allocated per GiB
     * uploaded). Arrays of large requests (WRITEs) come back after processing for the next ones.
     * A message longer than any client sends would be waited for forever: it is refused and ends this session only.
     */
    @Override
    public int data(ChannelSession channel, byte[] buf, int start, int len) throws IOException {
        long refusedLength = framing.read(buf, start, len, enqueue);
        if (refusedLength >= 0) {
            LOG.warn("refused sftp message: remote={} user={} length={} max={}; closing the sftp session",
                    Addresses.of(channel.getSession().getRemoteAddress()), LogText.escape(channel.getSession().getUsername()),
                    refusedLength, MAX_MESSAGE);
            callback.onExit(SftpConstants.SSH_FX_BAD_MESSAGE, "message too long");
        }
        return 0; // MINA's SFTP thread releases the window once it has processed a request
    }

    /**
     * A 32 KiB WRITE takes a reused array only while few wait: behind a blocked SFTP thread (an open of
     * a FIFO) the channel's 2 MiB window of 32 KiB WRITEs took 63 arrays of 264 KiB, 17 MB per channel; exact arrays
     * keep what waits at about the window.
     */
    private Buffer newRequest(int length) {
        int size = Integer.BYTES + length + Long.SIZE; // MINA leaves a little room after a request too
        byte[] array = length >= REUSED_REQUEST && size <= REUSED_REQUEST_ARRAY && requests.size() < KEPT_REQUEST_ARRAYS
                ? requestArrays.take() : new byte[size]; // data() refused longer ones
        return new ByteArrayBuffer(array, false);
    }

    @Override
    protected void process(Buffer request) throws IOException {
        try {
            super.process(request);
        } finally {
            requestArrays.give(request.array()); // processed: nothing refers to it any more
        }
    }

    /** Replies go out through {@link ChannelDataWriter}, not MINA's one-packet-at-a-time asynchronous stream. */
    @Override
    public void setIoOutputStream(IoOutputStream channelStream) {
        out = new ChannelDataWriter(getServerChannelSession(), output);
    }

    /**
     * Builds a small reply inside an SSH channel-data packet (header room before it, padding and MAC room after), so
     * {@link ChannelDataWriter} sends it as its own packet without copying it into a packet buffer. A READ's reply,
     * longer than a packet, goes into the session's read array and is copied into packets from there.
     * The request's buffer is left alone (and not wiped: MINA's wipe of every write's data was 7% of a put profile).
     */
    @Override
    protected Buffer prepareReply(Buffer request) {
        Buffer reply;
        if (replyRoom > SMALL_REPLY) { // a READ's, which SftpFraming.replyRoom caps to fit
            // not wiped: it held file data the user may read, and a wipe per READ was 7% of a get's CPU
            if (lentReadArray == null) {
                lentReadArray = readArrays.take();
            }
            reply = new ByteArrayBuffer(lentReadArray, false);
        } else {
            reply = ChannelDataWriter.newReply(getServerSession(), Integer.BYTES + replyRoom);
        }
        reply.putUInt(0L); // the SFTP message length, filled in by send
        return reply;
    }

    @Override
    protected void send(Buffer reply) throws IOException {
        BufferUtils.updateLengthPlaceholder(reply, reply.rpos());
        out.writeBuffer(reply);
        if (reply.array() == lentReadArray) { // copied into packets: free again
            readArrays.give(lentReadArray);
            lentReadArray = null;
        }
    }

    /** A request whose fields do not parse gets SSH_FX_BAD_MESSAGE; the session goes on (framing is intact). */
    @Override
    protected void doProcess(Buffer buffer, int length, int type, int id) throws IOException {
        replyRoom = SftpFraming.replyRoom(buffer, type, maxReadLength);
        try {
            super.doProcess(buffer, length, type, id);
        } catch (BufferException | IndexOutOfBoundsException | IllegalArgumentException | IllegalStateException e) {
            LOG.warn("refused malformed sftp request: remote={} user={} type={} id={} reason={}",
                    Addresses.of(getServerSession().getRemoteAddress()), LogText.escape(getServerSession().getUsername()), type, id,
                    LogText.escape(e.toString()));
            sendStatus(prepareReply(buffer), id, SftpConstants.SSH_FX_BAD_MESSAGE, "malformed request: " + e.getMessage());
        }
    }

    @Override
    protected List<OpenSSHExtension> resolveOpenSSHExtensions(ServerSession session) {
        List<OpenSSHExtension> list = new ArrayList<>(super.resolveOpenSSHExtensions(session));
        for (String[] ext : new String[][] {{STATVFS, "2"}, {FSTATVFS, "2"}, {EXPAND_PATH, "1"}, {HOME_DIRECTORY, "1"},
                {USERS_GROUPS_BY_ID, "1"}, {COPY_DATA, "1"}}) {
            if (list.stream().noneMatch(e -> e.getName().equals(ext[0]))) {
                list.add(new OpenSSHExtension(ext[0], ext[1]));
            }
        }
        return list;
    }

    @Override
    protected void executeExtendedCommand(Buffer buffer, int id, String extension) throws IOException {
        switch (extension) {
            case STATVFS, FSTATVFS, EXPAND_PATH, HOME_DIRECTORY, USERS_GROUPS_BY_ID -> {
                String argument = null;
                try {
                    switch (extension) {
                        case STATVFS -> statvfs(buffer, id, resolveNormalizedLocation(argument = buffer.getString()));
                        case FSTATVFS -> statvfs(buffer, id, handleFile(argument = buffer.getString()));
                        case EXPAND_PATH -> name(buffer, id, HomeRelativePaths.expand(home.getFileSystem(), home,
                                argument = buffer.getString()).normalize());
                        case HOME_DIRECTORY -> name(buffer, id, homeOf(argument = buffer.getString()));
                        default -> usersGroupsById(buffer, id);
                    }
                } catch (IOException | RuntimeException e) {
                    sendStatus(prepareReply(buffer), id, e, SftpConstants.SSH_FXP_EXTENDED, extension, argument);
                }
            }
            default -> super.executeExtendedCommand(buffer, id, extension);
        }
    }

    private Path handleFile(String handle) throws IOException {
        Handle h = handles.get(handle);
        FileHandle file = validateHandle(handle, h, FileHandle.class);
        return file.getFile();
    }

    private Path homeOf(String user) {
        if (user.isEmpty()) {
            return home;
        }
        return UserDatabase.byName(user).map(PosixUser::home)
                .orElseThrow(() -> new InvalidPathException(user, "no such user"));
    }

    private void statvfs(Buffer buffer, int id, Path path) throws IOException {
        FileSystemStats.StatVfs s = FileSystemStats.statvfs(path);
        Buffer reply = prepareReply(buffer);
        reply.putByte((byte) SftpConstants.SSH_FXP_EXTENDED_REPLY);
        reply.putInt(id);
        for (long v : new long[] {s.bsize(), s.frsize(), s.blocks(), s.bfree(), s.bavail(), s.files(), s.ffree(),
                s.favail(), s.fsid(), s.flag(), s.namemax()}) {
            reply.putLong(v);
        }
        send(reply);
    }

    private void name(Buffer buffer, int id, Path path) throws IOException {
        Buffer reply = prepareReply(buffer);
        reply.putByte((byte) SftpConstants.SSH_FXP_NAME);
        reply.putInt(id);
        reply.putUInt(1L);
        reply.putString(path.toString());
        reply.putString(path.toString());
        reply.putUInt(0L); // no attributes
        send(reply);
    }

    /** Request: a string of packed uint32 uids, one of gids. Reply: a string of names for each, "" if unknown. */
    private void usersGroupsById(Buffer buffer, int id) throws IOException {
        Buffer uids = new ByteArrayBuffer(buffer.getBytes());
        Buffer gids = new ByteArrayBuffer(buffer.getBytes());
        Buffer users = new ByteArrayBuffer();
        while (uids.available() >= Integer.BYTES) {
            users.putString(UserDatabase.byUid(uids.getInt()).map(PosixUser::name).orElse(""));
        }
        Buffer groups = new ByteArrayBuffer();
        while (gids.available() >= Integer.BYTES) {
            groups.putString(UserDatabase.groupName(gids.getInt()).orElse(""));
        }
        Buffer reply = prepareReply(buffer);
        reply.putByte((byte) SftpConstants.SSH_FXP_EXTENDED_REPLY);
        reply.putInt(id);
        reply.putBytes(users.array(), users.rpos(), users.available());
        reply.putBytes(groups.array(), groups.rpos(), groups.available());
        send(reply);
    }

    /**
     * Every path a request names is refused when it reaches the daemon's own process in procfs ({@link OwnProcfs},
     * which looks at the object, not the string). Any other error is left for the operation itself to report, as
     * the kernel gives it. Reads, listings, attributes and setstat then work on the checked object's descriptor.
     */
    @Override
    protected Path resolveFile(String remotePath) throws IOException {
        Path path = super.resolveFile(remotePath);
        try {
            OwnProcfs.check(path.toString(), false);
        } catch (NoSuchFileException e) {
            if (path.getParent() != null) {
                checkOnlyOwnProcfs(path.getParent(), true);
            }
        } catch (OwnProcfs.Refused e) {
            throw e;
        } catch (IOException e) {
            // the operation meets the same error, and reports it
        }
        return path;
    }

    private static void checkOnlyOwnProcfs(Path path, boolean follow) throws IOException {
        try {
            OwnProcfs.check(path.toString(), follow);
        } catch (OwnProcfs.Refused e) {
            throw e;
        } catch (IOException e) {
            // left for the operation
        }
    }

    /**
     * STAT and LSTAT answer what the kernel says of the object: MINA's existence probes turned EACCES, ENOTDIR and
     * ELOOP into OK with empty attributes (and five WARN lines). A trailing slash makes LSTAT follow a final link,
     * as lstat(2) does ({@code ls link/}).
     */
    @Override
    protected Map<String, Object> doStat(int id, String path, int flags) throws IOException {
        return getAttributes(resolveFile(path), flags);
    }

    @Override
    protected Map<String, Object> doLStat(int id, String path, int flags) throws IOException {
        Path file = resolveFile(path);
        return path.endsWith("/") ? getAttributes(file, flags) : getAttributes(file, flags, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * OPENDIR opens the directory as the user ({@link HomeFileSystemAccessor#openDirectory}) and reports the kernel's
     * error; MINA first asked access(2), which checks the daemon's real (holder) uid, not the user's.
     */
    @Override
    protected String doOpenDir(int id, String path, Path dir, LinkOption... options) throws IOException {
        try {
            synchronized (handles) {
                String handle = generateFileHandle(dir);
                handles.put(handle, new DirectoryHandle(this, dir, handle));
                return handle;
            }
        } catch (IOException e) {
            throw signalOpenFailure(id, path, dir, true, e);
        }
    }

    /**
     * READDIR lists the directory OPENDIR opened as the user; MINA probed it again with access(2) (the holder's
     * answer) before each batch.
     */
    @Override
    protected void doReadDir(Buffer buffer, int id) throws IOException {
        String handle = buffer.getString(StandardCharsets.ISO_8859_1);
        Buffer reply;
        try {
            DirectoryHandle dh = validateHandle(handle, handles.get(handle), DirectoryHandle.class);
            if (dh.isDone()) {
                sendStatus(prepareReply(buffer), id, SftpConstants.SSH_FX_EOF, "Directory reading is done");
                return;
            }
            getSftpEventListenerProxy().readingEntries(getServerSession(), handle, dh);
            if (!dh.isSendDot() && !dh.isSendDotDot() && !dh.hasNext()) {
                dh.markDone();
                sendStatus(prepareReply(buffer), id, SftpConstants.SSH_FX_EOF, "Empty directory");
                return;
            }
            reply = prepareReply(buffer);
            reply.putByte((byte) SftpConstants.SSH_FXP_NAME);
            reply.putInt(id);
            int lenPos = reply.wpos();
            reply.putUInt(0L); // the count, filled in below
            int count = doReadDir(id, handle, dh, reply,
                    SftpModuleProperties.MAX_READDIR_DATA_SIZE.getRequired(getServerSession()), false);
            BufferUtils.updateLengthPlaceholder(reply, lenPos, count);
            if (!dh.isSendDot() && !dh.isSendDotDot() && !dh.hasNext()) {
                dh.markDone();
            }
            SftpHelper.indicateEndOfNamesList(reply, getVersion(), getServerSession(), dh.isDone());
        } catch (IOException | RuntimeException e) {
            sendStatus(prepareReply(buffer), id, e, SftpConstants.SSH_FXP_READDIR, handle);
            return;
        }
        send(reply);
    }

    /**
     * MKDIR is mkdir(2) as the user: an existing name is its EEXIST. MINA first probed the name with access(2),
     * the holder's answer (EACCES inside a directory only the user may enter).
     */
    @Override
    protected void doMakeDirectory(int id, String path, Map<String, ?> attrs) throws IOException {
        Path dir = resolveFile(path);
        boolean followLinks = resolvePathResolutionFollowLinks(SftpConstants.SSH_FXP_MKDIR, "", dir);
        SftpEventListener listener = getSftpEventListenerProxy();
        listener.creating(getServerSession(), dir, attrs);
        try {
            getFileSystemAccessor().createDirectory(this, dir);
            doSetAttributes(SftpConstants.SSH_FXP_MKDIR, "", dir, attrs, followLinks);
        } catch (IOException | RuntimeException | Error e) {
            listener.created(getServerSession(), dir, attrs, e);
            throw e;
        }
        listener.created(getServerSession(), dir, attrs, null);
    }

    /** Existence by stat(2) as the user ({@link UserStat}), where MINA's followed links with access(2). */
    @Override
    public Boolean checkSymlinkState(Path path, boolean neverFollowSymLinks, LinkOption[] options) {
        Boolean status = validateParentExistWithNoSymlinksIfNeverFollowSymlinks(path, neverFollowSymLinks);
        return Boolean.FALSE.equals(status) ? status : UserStat.exists(path, options);
    }

    /** REALPATH's existence by stat(2) as the user ({@link UserStat}), not access(2). */
    @Override
    protected SimpleImmutableEntry<Path, Boolean> validateRealPath(int id, String path, Path f, LinkOption... options)
            throws IOException {
        Path p = normalize(f);
        if (!IoUtils.followLinks(options)) {
            return super.validateRealPath(id, path, f, options); // lstat of each component: no access(2)
        }
        return new SimpleImmutableEntry<>(p, UserStat.exists(p));
    }

    /** The kernel's error, never an empty attribute set. */
    @Override
    protected NavigableMap<String, Object> handleReadFileAttributesException(Path file, String view,
                                                                            LinkOption[] options, IOException e)
            throws IOException {
        throw e;
    }

    /** Every status within the codes the session's version defines ({@link KernelErrorStatus#forVersion}). */
    @Override
    protected void sendStatus(Buffer buffer, int id, int substatus, String msg, String lang) throws IOException {
        super.sendStatus(buffer, id, KernelErrorStatus.forVersion(substatus, getVersion()), msg, lang);
    }

    /**
     * Attributes go out with the kernel's whole mode, setuid, setgid and sticky included, as sftp-server sends
     * st_mode: MINA writes the permissions from a permission set, which cannot hold those three bits.
     */
    @Override
    protected void writeAttrs(Buffer buffer, Map<String, ?> attributes) {
        int start = buffer.wpos();
        super.writeAttrs(buffer, attributes);
        if (attributes.get(UNIX_MODE) instanceof Integer mode && (mode & 07000) != 0) {
            byte[] data = buffer.array();
            int at = SftpModes.permissionsAt(new ByteArrayBuffer(data, start, buffer.wpos() - start), getVersion());
            if (at >= 0) {
                int sent = BufferUtils.getInt(data, at, Integer.BYTES) | (mode & 07000);
                for (int i = 0; i < Integer.BYTES; i++) {
                    data[at + i] = (byte) (sent >>> (24 - 8 * i));
                }
            }
        }
    }

    /** {@code ls -l}'s line of a READDIR (version 3) with the same three bits, as sftp-server's. */
    @Override
    protected String getLongName(Path f, String shortName, Map<String, ?> attributes) throws IOException {
        String line = super.getLongName(f, shortName, attributes);
        return attributes.get(UNIX_MODE) instanceof Integer mode ? SftpModes.withSpecialBits(line, mode) : line;
    }

    /** Keeps the mode as sent (with setuid, setgid, sticky), which MINA's permission set cannot hold. */
    @Override
    protected Map<String, Object> readAttrs(Buffer buffer) throws IOException {
        int start = buffer.rpos();
        Map<String, Object> attrs = super.readAttrs(buffer);
        Integer mode = SftpModes.sentMode(new ByteArrayBuffer(buffer.array(), start, buffer.rpos() - start), getVersion());
        if (mode != null) {
            attrs.put(SftpModes.MODE, mode);
        }
        return attrs;
    }

    /**
     * SETSTAT, LSETSTAT, FSETSTAT and the attributes of OPEN and MKDIR, applied by the kernel's own calls on the
     * object {@link OwnProcfs} checked, in sftp-server's order: size by truncate(2) (which grows a file, where
     * Java's truncate only shrinks), the mode by chmod(2) with every bit sent, the times by utimensat(2), the owner
     * by chown(2). Anything else (names of owners in version 4 and later, ACLs) goes to MINA on the same object.
     */
    @Override
    protected void setFileAttributes(Path file, Map<String, ?> attributes, LinkOption... options) throws IOException {
        Map<String, Object> rest = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        rest.putAll(attributes);
        Object size = rest.remove(IoUtils.SIZE_VIEW_ATTR);
        Object permissions = rest.remove(IoUtils.PERMISSIONS_VIEW_ATTR);
        Object mode = rest.remove(SftpModes.MODE);
        Object accessed = rest.remove(IoUtils.LASTACC_TIME_VIEW_ATTR);
        Object modified = rest.remove(IoUtils.LASTMOD_TIME_VIEW_ATTR);
        Object uid = rest.remove(IoUtils.USERID_VIEW_ATTR);
        Object gid = rest.remove(IoUtils.GROUPID_VIEW_ATTR);
        for (String ignored : new String[] {IoUtils.REGFILE_VIEW_ATTR, IoUtils.DIRECTORY_VIEW_ATTR,
                IoUtils.SYMLINK_VIEW_ATTR, IoUtils.OTHERFILE_VIEW_ATTR}) {
            rest.remove(ignored); // the type sent with version 4 and later: not an attribute to set
        }
        boolean follow = IoUtils.followLinks(options);
        int fd = OwnProcfs.open(file.toString(), follow);
        try {
            String object = OwnProcfs.fdPath(fd);
            if (size != null) {
                SftpModes.check(file, LibC.INSTANCE.truncate(object, ((Number) size).longValue()));
            }
            if (mode != null || permissions != null) {
                int bits = mode != null ? (Integer) mode & 07777 : SftpModes.of((Set<?>) permissions);
                if (getFileSystemAccessor() instanceof HomeFileSystemAccessor home && home.justCreated(file)) {
                    bits &= ~UserIdentity.DEFAULT_UMASK;
                }
                SftpModes.check(file, LibC.INSTANCE.chmod(object, bits));
            }
            if (accessed != null || modified != null) {
                long[] times = {0, LibC.UTIME_OMIT, 0, LibC.UTIME_OMIT};
                SftpModes.time(times, 0, (FileTime) accessed);
                SftpModes.time(times, 2, (FileTime) modified);
                SftpModes.check(file, LibC.INSTANCE.utimensat(LibC.AT_FDCWD, object, times, 0));
            }
            if (uid != null || gid != null) {
                SftpModes.check(file, LibC.INSTANCE.chown(object, uid != null ? ((Number) uid).intValue() : -1,
                        gid != null ? ((Number) gid).intValue() : -1));
            }
            if (!rest.isEmpty()) {
                super.setFileAttributes(Path.of(object), rest);
            }
        } finally {
            OwnProcfs.close(fd);
        }
    }

    /**
     * A hard link's existing path is resolved as every other path is (against the home), where MINA took it
     * relative to the daemon's working directory; a symlink's target is stored as sent.
     */
    @Override
    protected void createLink(int id, String existingPath, String linkPath, boolean symLink) throws IOException {
        super.createLink(id, symLink ? existingPath : resolveFile(existingPath).toString(), linkPath, symLink);
    }

    /** A refusal of ours is one line; the client gets PERMISSION_DENIED (its reason says why). */
    @Override
    protected void sendStatus(Buffer buffer, int id, Throwable e, int cmd, Object... args) throws IOException {
        if (e instanceof OwnProcfs.Refused refused) {
            LOG.warn("refused sftp {}: remote={} user={} path={} reason={}",
                    SftpConstants.getCommandMessageName(cmd).replace("SSH_FXP_", "").toLowerCase(Locale.ROOT),
                    Addresses.of(getServerSession().getRemoteAddress()), LogText.escape(getServerSession().getUsername()),
                    LogText.escape(refused.getFile()), OwnProcfs.REASON);
        }
        super.sendStatus(buffer, id, e, cmd, args);
    }

    /**
     * A handle past the session's cap is a plain failure, as sftp-server's when it has no descriptor left (MINA's
     * "no space on filesystem" would read as a full disk), with one log line.
     */
    @Override
    protected String generateFileHandle(Path file) throws IOException {
        if (handles.size() >= maxHandleCount) {
            LOG.warn("refused sftp open: remote={} user={} path={} reason=open handles at the limit ({})",
                    Addresses.of(getServerSession().getRemoteAddress()), LogText.escape(getServerSession().getUsername()),
                    LogText.escape(String.valueOf(file)), maxHandleCount);
            throw new SftpException(SftpConstants.SSH_FX_FAILURE, "Too many open handles (" + maxHandleCount + ")");
        }
        return super.generateFileHandle(file);
    }
}
