package dev.sandboxsshd.api;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.sandboxsshd.api.Refused.Kind;

/** The API's JSON: request bodies, as received, into a tree; reply records into bytes, their fields in snake_case. */
public final class ApiJson {
    /** The largest request body; a larger one is {@link Refused.Kind#TOO_LARGE}. */
    public static final int MAX_BODY = 64 * 1024;

    /** Strict: a second value after the object, or a key given twice, is bad input, not silently dropped or last-wins. */
    static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private ApiJson() {
    }

    /** A request body (at most {@link #MAX_BODY} + 1 bytes read) as one JSON value; the message says what is wrong. */
    public static JsonNode parse(byte[] body) throws Refused {
        if (body.length > MAX_BODY) {
            throw new Refused(Kind.TOO_LARGE, "request body is over the limit of " + MAX_BODY + " bytes");
        }
        if (body.length == 0) {
            throw new Refused(Kind.INVALID_INPUT, "request body is empty; expected JSON");
        }
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null) {
                throw new Refused(Kind.INVALID_INPUT, "request body is empty; expected JSON");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new Refused(Kind.INVALID_INPUT, "request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new Refused(Kind.INVALID_INPUT, "cannot read request body: " + e.getMessage());
        }
    }

    static byte[] write(Object reply) throws IOException {
        return MAPPER.writeValueAsBytes(reply);
    }
}
