package dev.sandboxsshd.server;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The API's JSON: request bodies, as received, into a tree; replies into bytes. */
public final class ApiJson {
    /** The largest request body; a larger one is a 413. */
    public static final int MAX_BODY = 64 * 1024;

    /** Strict: a second value after the object, or a key given twice, is a 400, not silently dropped or last-wins. */
    static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private ApiJson() {
    }

    /**
     * A request body (at most {@link #MAX_BODY} + 1 bytes read) as one JSON value; anything else is an {@link ApiError}
     * (413 over the limit, 400 otherwise) whose message says what is wrong.
     */
    public static JsonNode parse(byte[] body) throws ApiError {
        if (body.length > MAX_BODY) {
            throw new ApiError(413, "request body is over the limit of " + MAX_BODY + " bytes");
        }
        if (body.length == 0) {
            throw new ApiError(400, "request body is empty; expected JSON");
        }
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null) {
                throw new ApiError(400, "request body is empty; expected JSON");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ApiError(400, "request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ApiError(400, "cannot read request body: " + e.getMessage());
        }
    }
}
