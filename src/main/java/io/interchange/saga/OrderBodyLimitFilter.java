package io.interchange.saga;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Bounds what {@code POST /orders} holds in memory. platform-http reads a request body whole before the route
 * runs, so the limit must act before it: a Content-Length above {@code interchange.orders.max-body-bytes} is
 * answered 413 without reading anything, and a body without one (chunked) is read here up to the limit and
 * answered 413 as soon as it goes past it. A body within the limit is handed on from the buffer read here.
 */
public class OrderBodyLimitFilter extends OncePerRequestFilter {

    private final int maxBodyBytes;

    public OrderBodyLimitFilter(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !"POST".equals(request.getMethod());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long declared = request.getContentLengthLong();
        if (declared > maxBodyBytes) {
            tooLarge(response, "declared " + declared + " bytes");
            return;
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream((int) Math.max(0, Math.min(declared, maxBodyBytes)));
        byte[] buffer = new byte[8192];
        try (InputStream in = request.getInputStream()) {
            for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
                if (body.size() + n > maxBodyBytes) {
                    tooLarge(response, "more than " + maxBodyBytes + " bytes sent");
                    return;
                }
                body.write(buffer, 0, n);
            }
        }
        chain.doFilter(new BufferedRequest(request, body.toByteArray()), response);
    }

    private void tooLarge(HttpServletResponse response, String what) throws IOException {
        response.setStatus(413);
        response.setContentType("application/json");
        // The connection may still carry the unread rest of the body: do not keep it.
        response.setHeader("Connection", "close");
        response.getOutputStream().write(("{\"status\":\"rejected\",\"reason\":\"the order is larger than "
                + maxBodyBytes + " bytes (interchange.orders.max-body-bytes): " + what + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    }

    /** The request with its body already read. */
    private static final class BufferedRequest extends HttpServletRequestWrapper {
        private final byte[] body;

        BufferedRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public java.io.BufferedReader getReader() throws java.io.UnsupportedEncodingException {
            String encoding = getCharacterEncoding() != null ? getCharacterEncoding() : StandardCharsets.UTF_8.name();
            return new java.io.BufferedReader(new java.io.InputStreamReader(new ByteArrayInputStream(body), encoding));
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new IllegalStateException("not asynchronous");
                }
            };
        }
    }
}
